import { compileRecordCheck, type RecordCheck } from '@patchbay/core'

/**
 * The check of each stream's latest SCHEMA: taps that send a stream's SCHEMA again (before
 * each page, after each STATE) reuse its check when the JSON text is the same, instead of
 * compiling it again. One check per stream is kept, so a tap cannot grow it past its streams.
 * The check is core's `compileRecordCheck`: JSON Schema, with `date-time`, `date` and `time`
 * read as taps write them.
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
