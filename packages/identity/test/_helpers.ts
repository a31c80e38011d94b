import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { IdentityGraph } from '../src/index.ts'

/** A fresh temporary folder, removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'pb-identity-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

let counter = 0
/** A track event at a fixed minute of a fixed day, with a deterministic messageId. */
export function event(fields: Record<string, unknown>, minute = counter): Record<string, unknown> {
  counter++
  const ts = new Date(Date.UTC(2026, 10, 1, 0, minute)).toISOString()
  return {
    type: 'track',
    event: 'Viewed',
    messageId: `m-${String(minute).padStart(6, '0')}`,
    timestamp: ts,
    ...fields,
  }
}

/** Every identifier's canonical id, as a plain object sorted by identifier. */
export function partition(graph: IdentityGraph, ids: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries([...ids].sort().map((id) => [id, graph.resolve(id)]))
}
