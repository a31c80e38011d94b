import { Compile } from 'typebox/compile'
import { Format, IsDate, IsDateTime, IsTime } from 'typebox/format'
import { isExtractedDate, isExtractedDateTime, isExtractedTime } from './_extracted-dates.ts'
import { resolveSchemaRefs } from './_schema-refs.ts'

/** The first thing wrong with a record: its JSON pointer (`/` for the record) and what is wrong. */
export interface RecordViolation {
  field: string
  message: string
}

/** An extractor's JSON Schema for a stream, compiled: see {@link compileRecordCheck}. */
export interface RecordCheck {
  /** True when the record matches the schema. */
  check(record: unknown): boolean
  /** What is wrong with a record that `check` refused (the first error found). */
  violation(record: unknown): RecordViolation
}

/**
 * The formats extractors bend, each with the check that reads what they write, and the
 * default it replaces (typebox's RFC 3339 one). A format the host registered itself is left
 * as it is.
 */
const EXTRACTED: ReadonlyArray<[name: string, check: (value: string) => boolean, strict: unknown]> = [
  // Any RFC 3339 date-time passes too (the RFC 9557 suffix `[Europe/Paris]`, say).
  ['date-time', (v) => isExtractedDateTime(v) || IsDateTime(v), IsDateTime],
  ['date', (v) => isExtractedDate(v) || IsDate(v), IsDate],
  ['time', (v) => isExtractedTime(v) || IsTime(v), IsTime],
]

/** Runs `fn` with the extractors' formats in typebox's registry, and restores it after. */
function withExtractedFormats<T>(fn: () => T): T {
  const replaced: Array<[string, (value: string) => boolean]> = []
  for (const [name, check, strict] of EXTRACTED) {
    const current = Format.Get(name)
    if (current === undefined || current !== strict) continue
    replaced.push([name, current])
    Format.Set(name, check)
  }
  try {
    return fn()
  } finally {
    for (const [name, current] of replaced) Format.Set(name, current)
  }
}

/**
 * Compiles the JSON Schema an extractor declared for a stream (a Singer SCHEMA, an Airbyte
 * catalog's `json_schema`) into a record check. Types, required fields, enums and the other
 * keywords are JSON Schema's; `date-time`, `date` and `time` accept the forms extractors
 * write besides RFC 3339's (no offset, a space for the `T`, a date as a midnight date-time,
 * `+05` as an offset, an Airbyte " BC"), with the calendar and the clock still checked; see
 * docs/sources/singer.md. Unknown formats pass, as in JSON Schema. Airbyte's well-known types
 * (`$ref: WellKnownTypes.json#/definitions/Date`, ...) are the schemas they stand for; a
 * reference to another document accepts any value; a local `$ref` that points at nothing
 * throws, as does a schema typebox cannot compile.
 *
 * @example
 * const contacts = compileRecordCheck({ type: 'object', properties: { at: { type: 'string', format: 'date-time' } } })
 * contacts.check({ at: '2026-11-01 10:00:00' }) // true: Python's str() of a timestamp
 * contacts.violation({ at: 'yesterday' }) // { field: '/at', message: 'must match format "date-time"' }
 */
export function compileRecordCheck(schema: Record<string, unknown>): RecordCheck {
  // The compiled code binds each format's function now; Errors reads the registry when called.
  const resolved = resolveSchemaRefs(schema)
  const compiled = withExtractedFormats(() => Compile(resolved as never))
  return {
    check: (record) => compiled.Check(record),
    violation(record) {
      const first = withExtractedFormats(() => {
        for (const error of compiled.Errors(record)) return error
        return undefined
      })
      return { field: first?.instancePath || '/', message: first?.message ?? 'is invalid' }
    },
  }
}
