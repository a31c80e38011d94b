import { createHash } from 'node:crypto'

/**
 * The canonical id a person gets from their oldest identifier: a UUID (version 8, from
 * SHA-256 of the identifier's type and value), so it is the same on every machine and after
 * a rebuild, and carries no personal data to the destinations.
 *
 * @example
 * canonicalIdOf('userId', 'u1') // '6a0f...-....-8...-....-............'
 */
export function canonicalIdOf(type: string, value: string): string {
  const hex = createHash('sha256').update(`patchbay.identity\u0000${type}\u0000${value}`).digest('hex')
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
