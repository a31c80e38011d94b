import { readdirSync, readFileSync } from 'node:fs'
import { Compile } from 'typebox/compile'
import { describe, expect, it } from 'vitest'
import { EVENT_SCHEMAS, EVENT_TYPES, protocolJsonSchemas } from '../src/index.ts'
import { specEvents } from './fixtures/spec-events.ts'

const dir = new URL('../schemas/', import.meta.url)
const shipped = (name: string) => JSON.parse(readFileSync(new URL(name, dir), 'utf8'))

describe('the JSON Schema files', () => {
  it('are exactly what the TypeBox definitions produce (run `npm run build` after a schema change)', () => {
    const expected = protocolJsonSchemas()
    expect(readdirSync(dir).sort()).toEqual(Object.keys(expected).sort())
    for (const [name, schema] of Object.entries(expected)) expect(shipped(name), name).toEqual(schema)
  })

  it.each(EVENT_TYPES)('%s.json has the same fields and required list as the TypeBox schema', (type) => {
    const file = shipped(`${type}.json`)
    expect(file.required).toEqual(EVENT_SCHEMAS[type].required)
    expect(Object.keys(file.properties)).toEqual(Object.keys(EVENT_SCHEMAS[type].properties))
  })

  it('accept and refuse the same events as the TypeBox validators', () => {
    const fromFile = Compile(shipped('event.json'))
    for (const event of Object.values(specEvents)) {
      expect(fromFile.Check(event)).toBe(true)
      expect(fromFile.Check({ ...event, timestamp: 'not a date' })).toBe(false)
    }
    expect(fromFile.Check({ type: 'track', userId: 'u' })).toBe(false)
  })
})
