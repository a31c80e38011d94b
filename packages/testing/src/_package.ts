import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PackageManifest } from './check-static.ts'

/**
 * The package.json a connector's manifest is compared with: the given file, or the nearest
 * one above the fixtures folder that declares itself a plugin package (`"patchbay": {...}`).
 */
export function findPackageManifest(
  explicit: URL | string | false | undefined,
  fixturesDir: string | undefined,
): PackageManifest | undefined {
  if (explicit === false) return undefined
  const read = (file: string) => {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as {
      name?: string
      version?: string
      patchbay?: unknown
    }
    return { pkg, manifest: { name: pkg.name, version: pkg.version, file } }
  }
  if (explicit !== undefined)
    return read(explicit instanceof URL ? fileURLToPath(explicit) : explicit).manifest
  let dir = fixturesDir
  while (dir) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) {
      const { pkg, manifest } = read(file)
      if (pkg.patchbay) return manifest
    }
    const up = dirname(dir)
    if (up === dir) break
    dir = up
  }
  return undefined
}
