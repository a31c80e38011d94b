import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { PluginKind } from '../plugin/manifest.ts'

/** An installed package that declares itself a Patchbay plugin in package.json. */
export interface InstalledPackage {
  /** The real package name (`@patchbay/destination-webhook`), also for npm aliases. */
  name: string
  version: string
  /** The folder name under node_modules (differs from `name` for aliases, e.g. `webhook-v1`). */
  installName: string
  dir: string
  /** From package.json `patchbay.kind`. */
  kind?: PluginKind
  /** From package.json `patchbay.apiVersion`. */
  apiVersion?: number
}

function readPackage(dir: string, installName: string): InstalledPackage | undefined {
  const file = join(dir, 'package.json')
  if (!existsSync(file)) return undefined
  try {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as {
      name?: string
      version?: string
      patchbay?: { kind?: PluginKind; apiVersion?: number }
    }
    if (!pkg.patchbay || typeof pkg.name !== 'string' || typeof pkg.version !== 'string') return undefined
    return {
      name: pkg.name,
      version: pkg.version,
      installName,
      dir,
      ...(pkg.patchbay.kind ? { kind: pkg.patchbay.kind } : {}),
      ...(pkg.patchbay.apiVersion ? { apiVersion: pkg.patchbay.apiVersion } : {}),
    }
  } catch {
    return undefined
  }
}

/**
 * Lists the plugin packages visible from `fromDir`, walking up through every
 * node_modules folder as Node's resolution does. Only package.json files are read:
 * nothing is imported until a pipeline asks for the plugin.
 */
export function discoverInstalled(fromDir: string): InstalledPackage[] {
  const found = new Map<string, InstalledPackage>()
  let dir = fromDir
  for (;;) {
    const nodeModules = join(dir, 'node_modules')
    if (existsSync(nodeModules)) {
      for (const entry of readdirSync(nodeModules)) {
        if (entry.startsWith('.')) continue
        const names = entry.startsWith('@')
          ? readdirSync(join(nodeModules, entry)).map((sub) => `${entry}/${sub}`)
          : [entry]
        for (const installName of names) {
          const pkg = readPackage(join(nodeModules, installName), installName)
          const key = `${pkg?.name}@${pkg?.version}`
          if (pkg && !found.has(key)) found.set(key, pkg)
        }
      }
    }
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  return [...found.values()]
}
