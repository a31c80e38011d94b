import {
  ConfigurationError,
  collectSecrets,
  compileConfig,
  createLogger,
  createRedactor,
  type LoadedPipeline,
  type LogSink,
  type PipelineDefinition,
  type PluginRegistry,
  runtimeServices,
  type SourcePlugin,
  shortSecretWarnings,
} from '@patchbay/core'
import type { IngestSource } from './ingest/ingest-handler.ts'

/**
 * The pipeline's sources as the gateway serves them: write keys, and the parser of those with
 * a `use:` plugin (for `/v1/webhook/<id>`). Refuses a pipeline no SDK could send to, and a
 * write key shared by two sources.
 */
export async function loadSources(
  loaded: { definition: PipelineDefinition; baseDir: string; locate?: LoadedPipeline['locate'] },
  registry: PluginRegistry,
  sink: LogSink,
): Promise<{ sources: IngestSource[]; plugins: Array<{ step: string; source: string }> }> {
  const steps = loaded.definition.sources ?? []
  if (!steps.some((s) => s.writeKey))
    throw new ConfigurationError(
      'the pipeline has no source with a writeKey, so nothing could send to the gateway',
      {
        code: 'PB_PIPELINE_INVALID',
        hint: 'Add one: `sources: [{ id: web, writeKey: "${PATCHBAY_WRITE_KEY}" }]`.',
      },
    )
  const seen = new Map<string, string>()
  for (const step of steps) {
    if (!step.writeKey) continue
    const other = seen.get(step.writeKey)
    if (other)
      throw new ConfigurationError(`sources "${other}" and "${step.id}" have the same writeKey`, {
        code: 'PB_PIPELINE_INVALID',
        step: `sources.${step.id}`,
        hint: 'Give each source its own write key: the key is how the gateway knows where events come from.',
      })
    seen.set(step.writeKey, step.id)
  }
  const sources: IngestSource[] = []
  const plugins: Array<{ step: string; source: string }> = []
  for (const [index, step] of steps.entries()) {
    if (!step.use) {
      sources.push({ id: step.id, ...(step.writeKey ? { writeKey: step.writeKey } : {}) })
      continue
    }
    const resolved = await registry.resolve(step.use, { baseDir: loaded.baseDir, kind: 'source' })
    const plugin = resolved.plugin as SourcePlugin
    const config = compileConfig(plugin.config).parse(step.config ?? {}, {
      plugin: resolved.id,
      step: `sources.${step.id}`,
      ...(loaded.locate ? { locate: (p: string) => loaded.locate!(`/sources/${index}/config${p}`) } : {}),
    })
    const redactor = createRedactor(collectSecrets(plugin.config, config))
    for (const message of shortSecretWarnings(plugin.config, config, `sources.${step.id}`))
      sink({ level: 'warn', scope: `sources.${step.id}`, message })
    const logger = createLogger({ scope: `sources.${step.id}`, sink, scrub: (s) => redactor.string(s) })
    plugins.push({ step: `sources.${step.id}`, source: resolved.id })
    sources.push({
      id: step.id,
      ...(step.writeKey ? { writeKey: step.writeKey } : {}),
      parse: async (request) => {
        try {
          return await plugin.parse(request, { ...runtimeServices, config, logger, plugin: resolved.id })
        } catch (error) {
          throw redactor.error(error) // its message may reach the client's 400 and the log
        }
      },
    })
  }
  return { sources, plugins }
}
