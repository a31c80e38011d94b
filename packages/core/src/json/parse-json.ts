import { isUtf8 } from 'node:buffer'
import { PatchbayError } from '../errors/patchbay-error.ts'
import { tooDeepOffset } from './_depth.ts'
import { FORBIDDEN_WHY, forbiddenKeyPointer, hasForbiddenKey, secureParse } from './_forbidden-keys.ts'
import { invalidUtf8Offset } from './_utf8.ts'

/** Why JSON input was refused. */
export type JsonProblem = 'utf8' | 'syntax' | 'depth' | 'forbidden-key'

/** The nesting limit {@link parseJson} applies unless told otherwise. */
export const DEFAULT_JSON_DEPTH = 128

export interface ParseJsonOptions {
  /** Deepest nesting of arrays and objects accepted (default {@link DEFAULT_JSON_DEPTH}). */
  maxDepth?: number
  /** What the input is, for messages: `the body`, `events.jsonl:12`. Default `the JSON`. */
  what?: string
}

/** JSON input that {@link parseJson} refused; `problem` says why, `details` says where. */
export class JsonInputError extends PatchbayError {
  readonly problem: JsonProblem
  constructor(
    problem: JsonProblem,
    message: string,
    details: { offset?: number; pointer?: string; limit?: number },
  ) {
    super('PB_JSON_INVALID', message, { details: { problem, ...details }, field: details.pointer })
    this.name = 'JsonInputError'
    this.problem = problem
  }
}

/**
 * Parses untrusted JSON the one way Patchbay does everywhere (HTTP bodies, webhooks, the admin
 * API, pipeline and fixture files), or throws a {@link JsonInputError} saying what and where:
 * - bytes must be well-formed UTF-8, never silently repaired (the offset of the first bad byte);
 * - nesting deeper than `maxDepth` is refused before anything recursive sees it;
 * - a `__proto__` key, or a `constructor` object with a `prototype` key, is refused as
 *   Fastify does, with secure-json-parse (the JSON pointer of the key);
 * - a syntax error keeps JSON.parse's position.
 *
 * @example
 * const body = parseJson(await readBody(req), { maxDepth: 64, what: 'the body' })
 */
export function parseJson(input: string | Uint8Array, options: ParseJsonOptions = {}): unknown {
  const what = options.what ?? 'the JSON'
  const maxDepth = options.maxDepth ?? DEFAULT_JSON_DEPTH
  let text: string
  if (typeof input === 'string') text = input
  else {
    if (!isUtf8(input)) {
      const offset = invalidUtf8Offset(input)
      throw new JsonInputError(
        'utf8',
        `${what} is not valid UTF-8: byte ${offset} (0x${input[offset]!.toString(16).padStart(2, '0')}) does not start or continue a character; send UTF-8 text`,
        { offset },
      )
    }
    text = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8')
  }
  const deep = tooDeepOffset(text, maxDepth)
  if (deep >= 0)
    throw new JsonInputError(
      'depth',
      `${what} nests arrays and objects more than ${maxDepth} levels deep (at character ${deep}); flatten it`,
      { offset: deep, limit: maxDepth },
    )
  let parsed: ReturnType<typeof secureParse>
  try {
    parsed = secureParse(text)
  } catch (error) {
    throw new JsonInputError('syntax', `${what} is not valid JSON: ${(error as Error).message}`, {})
  }
  if (parsed.ok) return parsed.value
  const pointer = forbiddenKeyPointer(JSON.parse(text)) ?? ''
  throw new JsonInputError('forbidden-key', `${what} has a forbidden key at ${pointer}: ${FORBIDDEN_WHY}`, {
    pointer,
  })
}

/**
 * The JSON pointer of a `__proto__` key or `constructor.prototype` in a value that did not
 * come through {@link parseJson} (a parsed YAML document, say), or undefined when it has none.
 *
 * @example
 * const at = findForbiddenKey(doc.toJS()) // '/sources/0/__proto__'
 */
export function findForbiddenKey(value: unknown): string | undefined {
  return hasForbiddenKey(value) ? (forbiddenKeyPointer(value) ?? '') : undefined
}
