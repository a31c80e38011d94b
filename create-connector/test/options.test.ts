import { describe, expect, it } from 'vitest'
import { packageNameProblem, unscopedName } from '../src/options.ts'

describe('package names', () => {
  it.each(['destination-crm', '@acme/destination-crm', 'patchbay.source_forms', 'a'])(
    'accepts %s',
    (name) => {
      expect(packageNameProblem(name)).toBeUndefined()
    },
  )

  it.each([
    ['', 'empty'],
    ['Destination-CRM', 'lower case: try "destination-crm"'],
    ['my destination', 'contains spaces'],
    ['@acme/', 'letters, digits'],
    ['-leading-dash', 'letters, digits'],
    ['a'.repeat(215), '215 characters long'],
  ])('refuses %j, saying why', (name, why) => {
    expect(packageNameProblem(name)).toContain(why)
  })

  it('drops the scope for the folder name', () => {
    expect(unscopedName('@acme/destination-crm')).toBe('destination-crm')
    expect(unscopedName('destination-crm')).toBe('destination-crm')
  })
})
