import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isPlugin } from '@patchbay/core'
import { UsageError } from './_exit.ts'

/**
 * A connector package folder: its package.json, and its plugin (the default export of its
 * entry). Unlike the registry, which loads what is published (dist/ unless Node runs with
 * other conditions), author commands prefer the sources: `patchbay dev`, `test` and
 * `validate` work on the code being edited, without a build first.
 */
export async function loadConnector(dir: string) {
  const root = resolve(dir)
  const pkgFile = join(root, 'package.json')
  if (!existsSync(pkgFile))
    throw new UsageError(`${root} has no package.json: give the folder of a connector package`)
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as {
    name?: string
    version?: string
    exports?: unknown
    main?: string
  }
  const entries = [entryFromExports(pkg.exports), pkg.main, 'src/index.ts', 'dist/index.js', 'index.js']
  const entry = entries
    .filter((e): e is string => typeof e === 'string')
    .map((e) => join(root, e))
    .find((f) => existsSync(f))
  if (!entry)
    throw new UsageError(
      `${pkg.name ?? root}: found no entry file (exports, main, src/index.ts or dist/index.js)`,
    )
  const mod = (await import(pathToFileURL(entry).href)) as { default?: unknown }
  return {
    root,
    name: pkg.name ?? root,
    /** What the manifest must match. */
    manifest: { name: pkg.name, version: pkg.version, file: pkgFile },
    entry,
    plugin: mod.default,
    isPlugin: isPlugin(mod.default),
  }
}

function entryFromExports(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports
  if (!exports || typeof exports !== 'object') return undefined
  const map = exports as Record<string, unknown>
  const dot = map['.'] ?? map
  if (typeof dot === 'string') return dot
  if (!dot || typeof dot !== 'object') return undefined
  const conditions = dot as Record<string, unknown>
  for (const c of ['@patchbay/source', 'import', 'default'])
    if (typeof conditions[c] === 'string') return conditions[c] as string
  return undefined
}
