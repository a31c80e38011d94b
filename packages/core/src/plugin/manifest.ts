import type { Static, TSchema } from 'typebox'
import Type from 'typebox'

export const PluginKindSchema = Type.Union([
  Type.Literal('source'),
  Type.Literal('destination'),
  Type.Literal('transformation'),
])
export type PluginKind = Static<typeof PluginKindSchema>

/** The serialisable part of every plugin's manifest (what `patchbay plugins --json` prints). */
export const PluginManifestSchema = Type.Object({
  name: Type.String({
    minLength: 1,
    description: 'The npm package name, e.g. @patchbay/destination-webhook.',
  }),
  version: Type.String({
    pattern: '^\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?$',
    description: "Semver, from the package's package.json.",
  }),
  kind: PluginKindSchema,
  apiVersion: Type.Integer({ minimum: 1, description: 'The plugin API major the plugin was written for.' }),
  title: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
})
export type PluginManifest = Static<typeof PluginManifestSchema>

/**
 * Turns a config written for the previous major into one for the major it is keyed by:
 * `{ 2: (v1) => v2, 3: (v2) => v3 }`. Migrations must be pure.
 */
export type ConfigMigrations = Record<number, (previous: Record<string, unknown>) => Record<string, unknown>>

/** What every definition shares: the manifest, the config schema and its examples. */
export interface PluginBase<C extends TSchema> {
  name: string
  version: string
  apiVersion: number
  title?: string
  description?: string
  /** TypeBox schema of the config. Mark secret fields with `Secret(...)`. */
  config: C
  /** Example configs: shown in docs and checked by the contract suite. */
  examples?: Static<C>[]
  migrations?: ConfigMigrations
  /**
   * Declares that the plugin reads the clock or random numbers itself (`Date.now()`,
   * `Math.random()`, `crypto.randomUUID()`) instead of through `ctx.now()`/`ctx.randomId()`.
   * The contract suite flags undeclared use; declared, it seeds them while running goldens.
   */
  uses?: ReadonlyArray<'clock' | 'random'>
  /**
   * Tests a config against the real service before the first event (Segment's
   * `testAuthentication`, Airbyte's `check`): resolve when it works, throw a PatchbayError
   * saying what is wrong (e.g. `ConfigurationError('the API key was refused (401)')`)
   * when not. Called by `patchbay check` and hosts at start-up through `checkConnection`,
   * which redacts secret values from what it reports.
   */
  check?(ctx: PluginContext<Static<C>>): MaybePromise<void>
}

/** A logger handed to plugins; lines are redacted before they are written. */
export interface PluginLogger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

/** What every handler gets besides its input. */
export interface PluginContext<Config> {
  config: Config
  logger: PluginLogger
  /** `name@version` of the running plugin, for messages. */
  plugin: string
  /**
   * The current time. Use it rather than `new Date()` or `Date.now()`: the contract suite
   * hands plugins a fixed clock, so goldens stay exact.
   */
  now(): Date
  /** A new unique id: a random UUID at run time, `contract-id-1`, `-2`, ... in the contract suite. */
  randomId(): string
}

/** The clock and id source hosts give plugins (the contract suite gives seeded ones). */
export const runtimeServices: Pick<PluginContext<unknown>, 'now' | 'randomId'> = Object.freeze({
  now: () => new Date(),
  randomId: () => crypto.randomUUID(),
})

export type MaybePromise<T> = T | Promise<T>
