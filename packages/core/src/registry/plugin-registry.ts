import { existsSync, readFileSync, statSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import semver from 'semver'
import { ConfigurationError } from '../errors/errors.ts'
import { PatchbayError } from '../errors/patchbay-error.ts'
import { SUPPORTED_PLUGIN_API_VERSIONS } from '../plugin/api-version.ts'
import type { ClientDestinationPlugin } from '../plugin/define-client-destination.ts'
import type { DestinationPlugin } from '../plugin/define-destination.ts'
import type { SourcePlugin } from '../plugin/define-source.ts'
import type { TransformationPlugin } from '../plugin/define-transformation.ts'
import { isPlugin } from '../plugin/is-plugin.ts'
import type { PluginKind } from '../plugin/manifest.ts'
import { discoverInstalled, type InstalledPackage } from './_discover.ts'
import { parsePluginSpec } from './plugin-spec.ts'

export type AnyPlugin = SourcePlugin | DestinationPlugin | ClientDestinationPlugin | TransformationPlugin

/** A plugin the registry resolved for a `use:` value. */
export interface ResolvedPlugin {
  plugin: AnyPlugin
  /** `name@version` for messages. */
  id: string
  /** Where it came from: a package folder, a local file, or `inline`. */
  location: string
  /**
   * Set when no installed version satisfied the requested range, and a newer major whose
   * migrations cover the gap was used instead: the config is written for `fromMajor`.
   */
  migrateFrom?: number
}

/** One row of `patchbay plugins`. */
export interface PluginListing {
  name: string
  version: string
  kind: PluginKind | 'unknown'
  installName: string
  location: string
}

/**
 * Finds and loads plugins by `name@range` from installed packages (npm aliases included,
 * so two majors can run side by side) or from local paths, and checks that each one was
 * written for a plugin API this core supports.
 *
 * Discovery reads package.json files only; a plugin's code is imported the first time a
 * pipeline asks for it.
 *
 * @example
 * const registry = new PluginRegistry({ cwd: process.cwd() })
 * const { plugin } = await registry.resolve('@patchbay/destination-webhook@^1')
 */
export class PluginRegistry {
  readonly #cwd: string
  readonly #inline = new Map<string, AnyPlugin[]>()
  readonly #loaded = new Map<string, Promise<AnyPlugin>>()
  #installed: InstalledPackage[] | undefined

  constructor(options: { cwd?: string } = {}) {
    this.#cwd = options.cwd ?? process.cwd()
  }

  /** Registers a plugin object directly (tests, embedding). Checks its apiVersion now. */
  add(plugin: AnyPlugin): this {
    if (!isPlugin(plugin)) throw invalid('the value passed to registry.add', 'inline')
    assertApiVersion(plugin, 'inline')
    const list = this.#inline.get(plugin.name) ?? []
    this.#inline.set(plugin.name, [...list.filter((p) => p.version !== plugin.version), plugin])
    return this
  }

  /** Installed plugin packages plus inline plugins, for `patchbay plugins`. */
  list(): PluginListing[] {
    const rows: PluginListing[] = this.installed().map((p) => ({
      name: p.name,
      version: p.version,
      kind: p.kind ?? 'unknown',
      installName: p.installName,
      location: p.dir,
    }))
    for (const plugins of this.#inline.values())
      for (const p of plugins)
        rows.push({ name: p.name, version: p.version, kind: p.kind, installName: p.name, location: 'inline' })
    return rows.sort((a, b) => a.name.localeCompare(b.name) || semver.compare(a.version, b.version))
  }

  /**
   * Resolves a `use:` value. `baseDir` anchors relative paths (the pipeline file's folder).
   * Prefers the highest version satisfying the range; failing that, the lowest newer major
   * whose config migrations reach back to the requested major.
   */
  async resolve(use: string, options: { baseDir?: string; kind?: PluginKind } = {}): Promise<ResolvedPlugin> {
    const spec = parsePluginSpec(use)
    const resolved =
      spec.type === 'path'
        ? await this.#fromPath(
            isAbsolute(spec.path) ? spec.path : resolve(options.baseDir ?? this.#cwd, spec.path),
          )
        : await this.#fromPackage(spec.name, spec.range)
    if (options.kind && resolved.plugin.kind !== options.kind) {
      throw new ConfigurationError(
        `"${use}" is a ${resolved.plugin.kind} plugin (${resolved.id}), but this step needs a ${options.kind}`,
        {
          code: 'PB_PLUGIN_INVALID',
          plugin: resolved.id,
          hint: `Move it to the pipeline's ${resolved.plugin.kind}s list.`,
        },
      )
    }
    return resolved
  }

  installed(): InstalledPackage[] {
    this.#installed ??= discoverInstalled(this.#cwd)
    return this.#installed
  }

  async #fromPath(path: string): Promise<ResolvedPlugin> {
    let file = path
    if (existsSync(path) && statSync(path).isDirectory()) {
      file = existsSync(join(path, 'package.json'))
        ? packageEntry(path)
        : (['index.ts', 'index.js'].map((f) => join(path, f)).find((c) => existsSync(c)) ?? path)
    }
    if (!existsSync(file)) {
      throw new ConfigurationError(`No plugin at ${path}: the file does not exist`, {
        code: 'PB_PLUGIN_NOT_FOUND',
        file: path,
        hint: 'Paths in a pipeline file are relative to the pipeline file.',
      })
    }
    const plugin = await this.#import(file)
    return { plugin, id: `${plugin.name}@${plugin.version}`, location: file }
  }

  async #fromPackage(name: string, range: string): Promise<ResolvedPlugin> {
    const inline = (this.#inline.get(name) ?? []).filter((p) => semver.satisfies(p.version, range))
    const bestInline = inline.sort((a, b) => semver.rcompare(a.version, b.version))[0]
    if (bestInline) return { plugin: bestInline, id: `${name}@${bestInline.version}`, location: 'inline' }

    const all = this.installed().filter((p) => p.name === name || p.installName === name)
    const satisfying = all
      .filter((p) => semver.satisfies(p.version, range, { includePrerelease: true }))
      .sort((a, b) => semver.rcompare(a.version, b.version))
    const best = satisfying[0]
    if (best) return this.#loadInstalled(best)

    // No version satisfies the range: a newer major whose config migrations reach back to
    // the wanted major runs instead, with the config migrated (inline plugins first).
    const wantedMajor = semver.minVersion(range)?.major
    const newerInline = (this.#inline.get(name) ?? []).map((plugin) => ({
      version: plugin.version,
      load: async (): Promise<ResolvedPlugin> => ({
        plugin,
        id: `${name}@${plugin.version}`,
        location: 'inline',
      }),
    }))
    const newerInstalled = all.map((p) => ({ version: p.version, load: () => this.#loadInstalled(p) }))
    const newer = [...newerInline, ...newerInstalled]
      .filter((p) => wantedMajor !== undefined && semver.major(p.version) > wantedMajor)
      .sort((a, b) => semver.compare(a.version, b.version))
    for (const candidate of newer) {
      const loaded = await candidate.load()
      const major = semver.major(candidate.version)
      const migrations = loaded.plugin.migrations ?? {}
      const covered = Array.from(
        { length: major - (wantedMajor as number) },
        (_, i) => (wantedMajor as number) + i + 1,
      )
      if (covered.every((m) => typeof migrations[m] === 'function'))
        return { ...loaded, migrateFrom: wantedMajor as number }
    }
    const have = all.map((p) => `${p.version}${p.installName !== p.name ? ` (as ${p.installName})` : ''}`)
    throw new ConfigurationError(
      have.length
        ? `No installed version of ${name} satisfies "${range}": installed ${have.join(', ')}, and none of the newer majors has config migrations back to ${wantedMajor}`
        : `Plugin ${name} is not installed (looked in node_modules from ${this.#cwd} upwards)`,
      {
        code: 'PB_PLUGIN_NOT_FOUND',
        plugin: name,
        hint: have.length
          ? `Install a matching version side by side: npm i ${name.replace(/^@.*\//, '')}-v${wantedMajor}@npm:${name}@${range}`
          : `Run: npm i ${name}@"${range}"`,
      },
    )
  }

  async #loadInstalled(pkg: InstalledPackage): Promise<ResolvedPlugin> {
    const id = `${pkg.name}@${pkg.version}`
    if (pkg.apiVersion !== undefined)
      assertApiVersion({ name: pkg.name, version: pkg.version, apiVersion: pkg.apiVersion }, pkg.dir)
    const plugin = await this.#import(packageEntry(pkg.dir))
    if (plugin.name !== pkg.name) {
      throw new ConfigurationError(
        `${pkg.dir} declares plugin ${plugin.name} but its package is ${pkg.name}: the manifest's name has drifted from package.json`,
        {
          code: 'PB_PLUGIN_INVALID',
          plugin: id,
          hint: `Set name: '${pkg.name}' in the plugin definition (or import name and version from package.json), then rebuild. \`patchbay validate\` checks this.`,
        },
      )
    }
    return { plugin, id, location: pkg.dir }
  }

  async #import(path: string): Promise<AnyPlugin> {
    let cached = this.#loaded.get(path)
    if (!cached) {
      cached = (async () => {
        let mod: Record<string, unknown>
        try {
          mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>
        } catch (cause) {
          throw new ConfigurationError(`Could not load plugin from ${path}: ${(cause as Error).message}`, {
            code: 'PB_PLUGIN_INVALID',
            file: path,
            cause,
          })
        }
        const plugin = mod.default ?? mod.plugin
        if (!isPlugin(plugin)) throw invalid(path, path)
        assertApiVersion(plugin, path)
        return plugin as AnyPlugin
      })()
      this.#loaded.set(path, cached)
    }
    return cached
  }
}

/** The file Node would load for `import '<package>'`: exports["."] (import/default), then main. */
function packageEntry(dir: string): string {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports?: unknown
    main?: string
  }
  const pick = (target: unknown): string | undefined => {
    if (typeof target === 'string') return target
    if (typeof target !== 'object' || target === null) return undefined
    const map = target as Record<string, unknown>
    if ('.' in map) return pick(map['.'])
    for (const condition of [...userConditions(), 'import', 'node', 'default'])
      if (condition in map) return pick(map[condition])
    return undefined
  }
  return join(dir, pick(pkg.exports) ?? pkg.main ?? 'index.js')
}

/**
 * The custom export conditions Node was started with (`--conditions=x`, `-C x`, also in
 * NODE_OPTIONS), so plugins load the way Node itself would resolve them: in development
 * `--conditions=@patchbay/source` loads the workspace connectors' TypeScript sources.
 */
function userConditions(): string[] {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS?.split(/\s+/) ?? [])]
  const out: string[] = []
  for (const [i, arg] of args.entries()) {
    const inline = /^(?:--conditions|-C)=(.+)$/.exec(arg)
    if (inline) out.push(inline[1]!)
    else if ((arg === '--conditions' || arg === '-C') && args[i + 1]) out.push(args[i + 1]!)
  }
  return out
}

function invalid(what: string, file: string) {
  return new ConfigurationError(`${what} is not a Patchbay plugin`, {
    code: 'PB_PLUGIN_INVALID',
    file,
    hint: 'Default-export the result of defineSource, defineDestination or defineTransformation.',
  })
}

function assertApiVersion(plugin: { name: string; version: string; apiVersion: number }, where: string) {
  if (SUPPORTED_PLUGIN_API_VERSIONS.includes(plugin.apiVersion)) return
  const supported = SUPPORTED_PLUGIN_API_VERSIONS.join(', ')
  const newer = plugin.apiVersion > Math.max(...SUPPORTED_PLUGIN_API_VERSIONS)
  throw new PatchbayError(
    'PB_PLUGIN_API_MISMATCH',
    `${plugin.name}@${plugin.version} was written for plugin API ${plugin.apiVersion}, but this @patchbay/core supports plugin API ${supported}`,
    {
      plugin: `${plugin.name}@${plugin.version}`,
      file: where === 'inline' ? undefined : where,
      details: { pluginApiVersion: plugin.apiVersion, supportedApiVersions: SUPPORTED_PLUGIN_API_VERSIONS },
      hint: newer
        ? `Upgrade @patchbay/core to a version that supports plugin API ${plugin.apiVersion}, or install an older ${plugin.name} built for API ${supported}.`
        : `Install a newer ${plugin.name} built for plugin API ${supported}, or use an older @patchbay/core.`,
    },
  )
}
