import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseJson } from '@patchbay/core'
import type { DriverErrorFixture } from './check-client-destination.ts'
import type { PreviousConfig } from './check-compatibility.ts'
import type { GoldenFixture } from './check-goldens.ts'
import type { RequestFixture } from './check-source.ts'

/**
 * A connector's contract fixtures, from one folder:
 *
 * ```
 * fixtures/
 *   config.json                 the config the checks run with (default: the first example)
 *   configs/invalid/<name>.json { "config": {...}, "field": "url" }: must fail, naming the field
 *   golden/<name>.json          destinations: { "config"?, "event", "requests", "batch"? }
 *                               transformations: { "config"?, "in": [events], "out": [events] }
 *                               sources: { "config"?, "request": { body, headers, query }, "events" }
 *   requests/<name>.json        { "request": { "body": ..., "headers": ... } } (sources)
 *   requests/malformed/<name>.json  requests a source must refuse
 *   previous/plugin.js          the previous published version (default export), for upgrade checks
 *   previous/configs/<name>.json    configs users wrote for the previous version
 *   errors/<name>.json          client destinations: { "error": { "message", "code"?, ... }, "retryable": bool },
 *                               a driver error and how it must be classified
 * ```
 */
export interface ContractFixtures {
  dir: string | undefined
  config: unknown
  invalidConfigs: Array<{ name: string; config: unknown; field: string }>
  /** `golden/*.json`: input and recorded output (see GoldenFixture for each kind's fields). */
  goldens: GoldenFixture[]
  requests: RequestFixture[]
  /** Configs written for the previous version (`previous/configs/*.json`), with their file. */
  previousConfigs: PreviousConfig[]
  /** `errors/*.json` (client destinations): driver errors and whether each is retryable. */
  driverErrors: DriverErrorFixture[]
}

// biome-ignore lint/suspicious/noExplicitAny: fixture files are free-form JSON; the checks that use each one validate it
const readJson = (file: string): any => {
  try {
    return parseJson(readFileSync(file), { what: `contract fixture ${file}` })
  } catch (error) {
    throw new Error((error as Error).message, { cause: error })
  }
}
const jsonFiles = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => join(dir, f))
    : []

export function loadFixtures(location: URL | string | undefined): ContractFixtures {
  const dir =
    location === undefined ? undefined : location instanceof URL ? fileURLToPath(location) : location
  if (!dir)
    return {
      dir,
      config: undefined,
      invalidConfigs: [],
      goldens: [],
      requests: [],
      previousConfigs: [],
      driverErrors: [],
    }
  const name = (file: string) => basename(file, '.json')
  return {
    dir,
    config: existsSync(join(dir, 'config.json')) ? readJson(join(dir, 'config.json')) : undefined,
    invalidConfigs: jsonFiles(join(dir, 'configs', 'invalid')).map((f) => ({
      name: name(f),
      ...readJson(f),
    })),
    driverErrors: jsonFiles(join(dir, 'errors')).map((f) => ({ name: name(f), ...readJson(f) })),
    goldens: jsonFiles(join(dir, 'golden')).map((f) => ({ name: name(f), file: f, ...readJson(f) })),
    requests: [
      ...jsonFiles(join(dir, 'requests')).map((f) => ({ name: name(f), ...readJson(f) })),
      ...jsonFiles(join(dir, 'requests', 'malformed')).map((f) => ({
        name: name(f),
        ...readJson(f),
        malformed: true,
      })),
    ],
    previousConfigs: jsonFiles(join(dir, 'previous', 'configs')).map((f) => ({
      file: relative(dir, f),
      config: readJson(f),
    })),
  }
}

/** Rewrites a golden with what the plugin produces now (`PATCHBAY_UPDATE_GOLDENS=1`). */
export function writeGolden(golden: GoldenFixture, output: Record<string, unknown>) {
  const { name: _name, file, ...recorded } = golden
  writeFileSync(file, `${JSON.stringify({ ...recorded, ...output }, null, 2)}\n`)
}

export const updatingGoldens = () => process.env.PATCHBAY_UPDATE_GOLDENS === '1'
