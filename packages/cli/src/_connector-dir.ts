import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isPlugin } from '@patchbay/core'
import { UsageError } from './_exit.ts'

/**
 * A connector package folder: its package.json, and its plugin (the default export of its
 * entry). Unlike the registry, which loads what is published (dist/ unless Node runs with
 * other conditions), author commands prefer the sources: `patchbay dev`, `test`, `send` and
 * `validate` run the code being edited, through the `@patchbay/source` export condition
 * (the scaffold sets it). A package without it runs its build, and is refused when a file
 * under src/ is newer than the build: the command would run old code.
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
  refuseStaleBuild(root, entry, pkg.name ?? root)
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

/** The newest file under `dir` (skipping node_modules), or undefined when there is none. */
function newestFile(dir: string): { file: string; mtimeMs: number } | undefined {
  let newest: { file: string; mtimeMs: number } | undefined
  const visit = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue
      const path = join(at, entry.name)
      if (entry.isDirectory()) visit(path)
      else {
        const { mtimeMs } = statSync(path)
        if (!newest || mtimeMs > newest.mtimeMs) newest = { file: path, mtimeMs }
      }
    }
  }
  visit(dir)
  return newest
}

/** Refuses to run a build older than the sources next to it. */
function refuseStaleBuild(root: string, entry: string, name: string): void {
  const src = join(root, 'src')
  if (!existsSync(src) || entry.startsWith(`${src}/`)) return
  const edited = newestFile(src)
  if (edited && edited.mtimeMs > statSync(entry).mtimeMs)
    throw new UsageError(
      `${name}: ${relative(root, entry)} is older than ${relative(root, edited.file)}, so this command would run code you have since changed. Run the build (npm run build), or let Patchbay run your sources: add "@patchbay/source": "./src/index.ts" as the first condition of "exports" "." in package.json.`,
    )
}
