import { fail, ok, type ParseResult } from './_result.ts'

/**
 * Parses one JSON object per line (JSON Lines, structured application logs). Anything else
 * (invalid JSON, an array, a string, a number, `null`) is a failure, never a throw.
 *
 * @example
 * const r = parseJsonLine('{"level":"warn","msg":"disk at 91%"}')
 * if (r.ok && r.value.level === 'warn') ...
 */
export function parseJsonLine(line: string): ParseResult<Record<string, unknown>> {
  let value: unknown
  try {
    value = JSON.parse(line.charCodeAt(0) === 0xfeff ? line.slice(1) : line)
  } catch (error) {
    return fail(`not JSON: ${(error as Error).message}`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return fail(
      `the line is JSON but not an object (${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`})`,
    )
  return ok(value as Record<string, unknown>)
}
