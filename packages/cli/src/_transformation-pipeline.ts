import {
  createPipeline,
  defineDestination,
  type LogSink,
  type Pipeline,
  PluginRegistry,
  parsePipeline,
  type TransformationPlugin,
} from '@patchbay/core'
import Type from 'typebox'

/** A destination that takes every event and sends nothing: a pipeline needs one after its transformations. */
const SINK = defineDestination({
  name: 'patchbay-cli-sink',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({}),
  supports: ['track', 'identify', 'page', 'screen', 'group', 'alias'],
  transform: () => null,
})

/**
 * A pipeline of one transformation step (`plugin` with `config`, as step `id`) and a sink,
 * so that `dev` and `send` run a transformation exactly as a pipeline does: config checks
 * and migrations, redacted logs, validated output. `file` names the config in messages.
 */
export function transformationPipeline(
  plugin: TransformationPlugin,
  config: unknown,
  options: { id: string; file: string; logSink: LogSink },
): Promise<Pipeline> {
  const definition = JSON.stringify({
    transformations: [{ id: options.id, use: `${plugin.name}@${plugin.version}`, config }],
    destinations: [{ id: 'sink', use: SINK.name }],
  })
  return createPipeline(parsePipeline(definition, { file: options.file, env: {} }), {
    registry: new PluginRegistry().add(plugin).add(SINK),
    logSink: options.logSink,
  })
}
