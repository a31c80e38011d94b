import { type AnyPlugin, createLogger, silentSink } from '@patchbay/core'

/** The fixed time `ctx.now()` returns under the contract suite. */
export const CONTRACT_NOW = '2026-11-22T10:00:00.000Z'

/**
 * The context a handler gets at run time, with a logger that drops what it is told, a fixed
 * clock and a counting id source (`contract-id-1`, `-2`, ...), so outputs are reproducible.
 */
export function pluginContext(plugin: AnyPlugin, config: unknown) {
  let ids = 0
  return {
    config,
    plugin: `${plugin.name}@${plugin.version}`,
    logger: createLogger({ scope: plugin.name, sink: silentSink }),
    now: () => new Date(CONTRACT_NOW),
    randomId: () => `contract-id-${++ids}`,
  }
}
