import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** JSON files handed to an extractor (its config, catalog, state), and how to remove them. */
export interface ExtractorFiles {
  /** The path of each file, by the name it was given. */
  paths: Record<string, string>
  /** Removes the folder and its files. */
  remove(): void
}

/**
 * Writes JSON documents to a fresh private folder (0700, files 0600: a tap's config holds
 * its credentials), for the `--config`, `--catalog` and `--state` flags of an extractor.
 *
 * @example
 * const files = writeExtractorFiles({ config: { api_key: 'k' }, state: { bookmarks: {} } })
 * try { run(['--config', files.paths.config!]) } finally { files.remove() }
 */
export function writeExtractorFiles(documents: Record<string, unknown>): ExtractorFiles {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-extract-'))
  const paths: Record<string, string> = {}
  for (const [name, value] of Object.entries(documents)) {
    if (value === undefined) continue
    const path = join(dir, `${name}.json`)
    writeFileSync(path, JSON.stringify(value), { mode: 0o600 })
    paths[name] = path
  }
  return { paths, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
