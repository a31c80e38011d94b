import { type AnyPlugin, compileConfig, createLogger, createRedactor, type LogRecord } from '@patchbay/core'
import { pluginContext } from './_context.ts'

/**
 * The context type a plugin's handler takes (destination, transformation or source; for a
 * client destination, what `open` takes: add `client` for `deliverBatch`).
 */
export type ContextOf<P> = P extends { transform(event: never, ctx: infer C): unknown }
  ? C
  : P extends { transformEvent(event: never, ctx: infer C): unknown }
    ? C
    : P extends { transformBatch(events: never, ctx: infer C): unknown }
      ? C
      : P extends { parse(request: never, ctx: infer C): unknown }
        ? C
        : P extends { open(config: never, ctx: infer C): unknown }
          ? C
          : never

export interface TestContextOptions {
  /** Collects what the plugin logs (already redacted of secret config values). */
  logs?: LogRecord[]
  /** For transformations: the step and source ids in `ctx.metadata`. */
  metadata?: { stepId: string; sourceId?: string }
}

/**
 * A typed context for calling a plugin's handler in a unit test: the config parsed as the
 * runtime parses it (defaults filled in; default: the plugin's first example), a logger,
 * a fixed clock (`ctx.now()`) and a counting id source (`ctx.randomId()`).
 *
 * @example
 * const out = await plugin.transform(event, testContext(plugin, { endpoint: 'https://api.example.com' }))
 */
export function testContext<P extends AnyPlugin>(
  plugin: P,
  config?: unknown,
  options: TestContextOptions = {},
): ContextOf<P> {
  const compiled = compileConfig(plugin.config)
  const parsed = compiled.parse(config ?? plugin.examples?.[0] ?? {}, { plugin: plugin.name })
  const base = pluginContext(plugin, parsed)
  const { logs } = options
  return {
    ...base,
    ...(logs
      ? {
          logger: createLogger({
            scope: plugin.name,
            sink: (record) => logs.push(record),
            scrub: createRedactor(compiled.secrets(parsed)).string,
          }),
        }
      : {}),
    ...(plugin.kind === 'transformation' ? { metadata: options.metadata ?? { stepId: 'test' } } : {}),
  } as ContextOf<P>
}
