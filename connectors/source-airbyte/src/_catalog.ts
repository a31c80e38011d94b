import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { ConfigurationError, compileRecordCheck, parseJson, type RecordCheck } from '@patchbay/core'
import { streamKey } from './_state.ts'

type Entry = Record<string, unknown>

/** A stream of the configured catalog: its record check and primary key fields. */
export interface CatalogStream {
  name: string
  key: string[]
  /** Core's check of the stream's json_schema (`date-time`, `date`, `time` as Airbyte writes them). */
  check?: RecordCheck
}

/** Reads the configured catalog (a file relative to `baseDir`, or the object). */
export function loadCatalog(
  catalog: string | Record<string, unknown>,
  baseDir: string,
  validate: boolean,
): Map<string, CatalogStream> {
  const where =
    typeof catalog === 'string' ? (isAbsolute(catalog) ? catalog : resolve(baseDir, catalog)) : 'catalog'
  let doc: Entry
  try {
    doc =
      typeof catalog === 'string'
        ? (parseJson(readFileSync(where, 'utf8'), { what: where }) as Entry)
        : catalog
  } catch (error) {
    throw new ConfigurationError(`cannot read the catalog ${where}: ${(error as Error).message}`, {
      field: '/catalog',
      file: where,
    })
  }
  const fail = (message: string) =>
    new ConfigurationError(`the configured catalog ${where}: ${message}`, { field: '/catalog', file: where })
  if (!Array.isArray(doc.streams)) throw fail('needs a "streams" array (a ConfiguredAirbyteCatalog)')
  const streams = new Map<string, CatalogStream>()
  for (const [i, configured] of (doc.streams as Entry[]).entries()) {
    const stream = configured?.stream as Entry | undefined
    if (typeof stream?.name !== 'string') throw fail(`streams[${i}].stream.name is missing`)
    const pk = (configured.primary_key ?? stream.source_defined_primary_key ?? []) as unknown
    if (!Array.isArray(pk) || !pk.every((p) => Array.isArray(p) && p.every((f) => typeof f === 'string')))
      throw fail(`streams[${i}].primary_key must be an array of field paths (arrays of names)`)
    let check: CatalogStream['check']
    if (validate && typeof stream.json_schema === 'object' && stream.json_schema !== null) {
      try {
        check = compileRecordCheck(stream.json_schema as Record<string, unknown>)
      } catch (error) {
        throw fail(`the json_schema of stream "${stream.name}" does not compile: ${(error as Error).message}`)
      }
    }
    const name = streamKey({ name: stream.name, namespace: stream.namespace })
    streams.set(name, { name, key: (pk as string[][]).map((p) => p.join('.')), ...(check ? { check } : {}) })
  }
  return streams
}
