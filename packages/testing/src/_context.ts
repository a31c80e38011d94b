import { type AnyPlugin, createLogger, silentSink } from '@patchbay/core'

/** The context a handler gets at run time, with a logger that drops what it is told. */
export function pluginContext(plugin: AnyPlugin, config: unknown) {
  return {
    config,
    plugin: `${plugin.name}@${plugin.version}`,
    logger: createLogger({ scope: plugin.name, sink: silentSink }),
  }
}
