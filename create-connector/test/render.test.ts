import { describe, expect, it } from 'vitest'
import { renderTemplate } from '../src/_render.ts'

describe('renderTemplate', () => {
  const vars = { kind: 'destination', auth: 'bearer', batching: false, name: '@acme/destination-crm' }

  it('keeps the blocks whose condition holds and drops the directives', () => {
    const text = [
      'a',
      '  // #if auth=bearer',
      '  token',
      '  // #else',
      '  none',
      '  // #endif',
      '<!-- #if batching -->',
      'bulk',
      '<!-- #endif -->',
      '// #if !batching',
      'single',
      '// #endif',
      '// #if kind!=source',
      'not a source',
      '// #endif',
      'z',
    ].join('\n')
    expect(renderTemplate(text, vars)).toBe(['a', '  token', 'single', 'not a source', 'z'].join('\n'))
  })

  it('nests blocks', () => {
    const text = ['// #if kind=destination', 'd', '// #if batching', 'b', '// #endif', '// #endif'].join('\n')
    expect(renderTemplate(text, vars)).toBe('d')
  })

  it('replaces {{values}} and refuses unknown ones, naming the file', () => {
    expect(renderTemplate("name: '{{name}}'", vars)).toBe("name: '@acme/destination-crm'")
    expect(() => renderTemplate('{{nope}}', vars, 'destination/src/index.ts')).toThrow(
      'destination/src/index.ts: unknown template value {{nope}}',
    )
  })

  it('says where an unbalanced block is', () => {
    expect(() => renderTemplate('x\n// #endif', vars, 'f.ts')).toThrow('f.ts:2: #endif without #if')
    expect(() => renderTemplate('// #if batching\nx', vars, 'f.ts')).toThrow('f.ts: 1 #if without #endif')
  })
})
