import { type AnyPlugin, defineDestination, PluginRegistry, parsePipeline } from '@patchbay/core'
import Type from 'typebox'

/** A destination that accepts everything, so transformations can run through a real pipeline. */
const SINK = defineDestination({
  name: 'patchbay-contract-sink',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({}),
  supports: ['track', 'identify', 'page', 'screen', 'group', 'alias'],
  transform: (event) => ({ method: 'POST', url: 'https://sink.invalid/events', body: event }),
})

export const registryFor = (plugin: AnyPlugin) => new PluginRegistry().add(plugin).add(SINK)

export function pipelineFor(plugin: AnyPlugin, config: unknown) {
  const step = plugin.kind === 'transformation' ? 'transformations' : 'destinations'
  const yaml =
    plugin.kind === 'destination'
      ? { destinations: [{ id: 'under_test', use: `${plugin.name}@${plugin.version}`, config }] }
      : {
          [step]: [{ id: 'under_test', use: `${plugin.name}@${plugin.version}`, config }],
          destinations: [{ id: 'sink', use: SINK.name }],
        }
  return parsePipeline(JSON.stringify(yaml), { file: 'contract.json', env: {} })
}
