import { Compile } from 'typebox/compile'
import { Format, IsDateTime } from 'typebox/format'
import { isDateTime } from './_date-time.ts'

/** A compiled SCHEMA of a stream: `Check` per record, `Errors` only once one failed. */
export type RecordCheck = ReturnType<typeof Compile>

/**
 * Compiles a tap's SCHEMA (JSON Schema) into a record check. The generated code binds each
 * format's function when it is compiled, so `date-time`, in nearly every tap schema and the
 * costliest check per record, is bound to {@link isDateTime} (same answers, a fast path for
 * the usual form) for this compile only: the registry is restored before this returns, and
 * `Errors` (reached only after a failed `Check`) uses it. A `date-time` format the host
 * registered itself is left as it is.
 */
export function compileRecordCheck(schema: Record<string, unknown>): RecordCheck {
  if (Format.Get('date-time') !== IsDateTime) return Compile(schema as never)
  Format.Set('date-time', isDateTime)
  try {
    return Compile(schema as never)
  } finally {
    Format.Set('date-time', IsDateTime)
  }
}

/**
 * The check of each stream's latest SCHEMA: taps that send a stream's SCHEMA again (before
 * each page, after each STATE) reuse its check when the JSON text is the same, instead of
 * compiling it again. One check per stream is kept, so a tap cannot grow it past its streams.
 */
export function recordCheckCache(): (stream: string, schema: Record<string, unknown>) => RecordCheck {
  const checks = new Map<string, { text: string; check: RecordCheck }>()
  return (stream, schema) => {
    const text = JSON.stringify(schema)
    const known = checks.get(stream)
    if (known?.text === text) return known.check
    const check = compileRecordCheck(schema)
    checks.set(stream, { text, check })
    return check
  }
}
