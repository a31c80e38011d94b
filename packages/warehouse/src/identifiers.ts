import { createHash } from 'node:crypto'
import type { Dialect } from './dialect.ts'

/**
 * Turns a property, trait or event name into a column or table name, the way Segment and
 * RudderStack document it:
 * - camelCase and PascalCase become snake_case (`firstName` → `first_name`, `HTTPStatus` → `http_status`);
 * - letters lose their accents (`café` → `cafe`); every other character that is not a-z,
 *   0-9 or `_` becomes `_`; runs of `_` collapse and the ends are trimmed;
 * - a name that starts with a digit, is a reserved word or is empty gets a leading `_`;
 * - a name longer than the engine's limit is cut and ends with `_` and 8 hex characters of
 *   a hash of the original, so two long names that share a prefix stay apart.
 *
 * @example
 * normalizeIdentifier('Order Completed', postgresDialect) // 'order_completed'
 * normalizeIdentifier('1st visit', postgresDialect)       // '_1st_visit'
 * normalizeIdentifier('select', postgresDialect)          // '_select'
 */
export function normalizeIdentifier(name: string, dialect: Dialect): string {
  let cache = CACHES.get(dialect)
  if (!cache) {
    cache = new Map()
    CACHES.set(dialect, cache)
  }
  let out = cache.get(name)
  if (out === undefined) {
    // Bounded: a stream of ever-new keys does not grow it forever.
    if (cache.size >= CACHE_SIZE) cache.clear()
    out = normalize(name, dialect)
    cache.set(name, out)
  }
  return out
}

/**
 * The names already normalised, per dialect: the same few hundred keys come in every event,
 * and normalising one (Unicode decomposition, eight regular expressions) costs more than
 * the rest of its mapping.
 */
const CACHES = new WeakMap<Dialect, Map<string, string>>()
const CACHE_SIZE = 50_000

function normalize(name: string, dialect: Dialect): string {
  let out = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '')
  if (out === '') out = `_${shortHash(name)}`
  else if (/^[0-9]/.test(out) || dialect.reserved.has(out)) out = `_${out}`
  return fitLength(out, name, dialect.maxIdentifierLength)
}

/** Cuts a name to `max` bytes, keeping it unique with a hash of the original name. */
export function fitLength(name: string, original: string, max: number): string {
  if (Buffer.byteLength(name) <= max) return name
  return `${name.slice(0, max - 9)}_${shortHash(original)}`
}

/**
 * Gives a name that collides with one already taken by another key a stable suffix: `_`
 * and a hash of the key. Stable means the same key gets the same column in every batch.
 */
export function deconflict(name: string, key: string, dialect: Dialect): string {
  return fitLength(`${name}_${shortHash(key).slice(0, 6)}`, key, dialect.maxIdentifierLength)
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8)
}
