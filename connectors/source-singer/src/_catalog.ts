import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { ConfigurationError, parseJson } from '@patchbay/core'

type Entry = Record<string, unknown>

/** Reads the catalog from its file (relative to `baseDir`) or takes it as given. */
export function loadCatalog(catalog: string | Record<string, unknown>, baseDir: string): Entry {
  if (typeof catalog !== 'string') return catalog
  const file = isAbsolute(catalog) ? catalog : resolve(baseDir, catalog)
  try {
    return parseJson(readFileSync(file, 'utf8'), { what: file }) as Entry
  } catch (error) {
    throw new ConfigurationError(`cannot read the catalog ${file}: ${(error as Error).message}`, {
      field: '/catalog',
      file,
    })
  }
}

/**
 * The streams a Singer catalog selects: those whose top-level metadata (breadcrumb `[]`) or
 * the stream entry itself says `selected: true`; every stream when nothing is marked.
 */
export function selectedStreams(catalog: Entry): string[] {
  const entries = Array.isArray(catalog.streams) ? (catalog.streams as Entry[]) : []
  const name = (e: Entry) => String(e.stream ?? e.tap_stream_id)
  const selected = (e: Entry): boolean | undefined => {
    const top = Array.isArray(e.metadata)
      ? (e.metadata as Entry[]).find((m) => Array.isArray(m.breadcrumb) && m.breadcrumb.length === 0)
      : undefined
    const flag = (top?.metadata as Entry | undefined)?.selected ?? e.selected
    return typeof flag === 'boolean' ? flag : undefined
  }
  const marked = entries.some((e) => selected(e) !== undefined)
  return entries.filter((e) => (marked ? selected(e) === true : true)).map(name)
}
