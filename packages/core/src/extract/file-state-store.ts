import { mkdirSync, readFileSync } from 'node:fs'
import { open, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { PatchbayError } from '../errors/patchbay-error.ts'
import { parseJson } from '../json/parse-json.ts'
import type { StateStore } from './sync.ts'

/**
 * Keeps each source's state as `<dir>/<sourceId>.state.json`. A save writes a temporary
 * file, fsyncs it, renames it over the old one and fsyncs the folder, so after a crash the
 * file holds either the old state or the new one, whole. The writes and fsyncs run on libuv's
 * thread pool, not on the event loop (a gateway keeps taking requests meanwhile); saves of one
 * source must not overlap (runSync saves one at a time).
 *
 * @example
 * const state = openFileStateStore('./patchbay-data/sync')
 * await state.save('crm', { bookmarks: { contacts: { updated_at: '2026-11-01' } } })
 */
export function openFileStateStore(dir: string): StateStore {
  mkdirSync(dir, { recursive: true })
  const file = (sourceId: string) => {
    if (!/^[A-Za-z][\w-]*$/.test(sourceId)) throw new TypeError(`not a source id: ${sourceId}`)
    return join(dir, `${sourceId}.state.json`)
  }
  return {
    async load(sourceId) {
      let text: string
      try {
        text = readFileSync(file(sourceId), 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      }
      try {
        return (parseJson(text, { what: file(sourceId) }) as { state: unknown }).state
      } catch (error) {
        throw new PatchbayError('PB_STATE_UNREADABLE', `the sync state ${file(sourceId)} is not valid JSON`, {
          file: file(sourceId),
          cause: error,
        })
      }
    },
    async save(sourceId, state) {
      const target = file(sourceId)
      const temp = `${target}.tmp`
      const handle = await open(temp, 'w', 0o600)
      try {
        await handle.writeFile(`${JSON.stringify({ version: 1, source: sourceId, state })}\n`)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(temp, target)
      const folder = await open(dir, 'r')
      try {
        await folder.sync()
      } finally {
        await folder.close()
      }
    },
  }
}
