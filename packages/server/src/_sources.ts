import {
  ConfigurationError,
  type LoadedPipeline,
  type LogSink,
  type PipelineDefinition,
  type PluginRegistry,
  type PreparedSource,
  prepareSources,
} from '@patchbay/core'
import type { IngestSource } from './ingest/ingest-handler.ts'
import { scheduledSources } from './sync/scheduler.ts'

/**
 * The pipeline's sources as the gateway serves them: write keys, and the parser of those with
 * a `use:` plugin (for `/v1/webhook/<id>`). Refuses a pipeline no SDK could send to, and a
 * write key shared by two sources.
 */
export async function loadSources(
  loaded: { definition: PipelineDefinition; baseDir: string; locate?: LoadedPipeline['locate'] },
  registry: PluginRegistry,
  sink: LogSink,
): Promise<{
  sources: IngestSource[]
  plugins: Array<{ step: string; source: string }>
  /** Sources with a `schedule:`, for the sync scheduler. */
  scheduled: PreparedSource[]
}> {
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
  // Core's source stage: the same preparation as every other plugin (migration, validation,
  // redacting logger and errors), shared with `patchbay run --source`.
  const stage = await prepareSources(loaded, { registry, logSink: sink })
  const sources: IngestSource[] = stage.sources.map((s) => ({
    id: s.id,
    ...(s.writeKey ? { writeKey: s.writeKey } : {}),
    ...(s.parse ? { parse: s.parse } : {}),
  }))
  const plugins = stage.sources.flatMap((s) => (s.plugin ? [{ step: s.label, source: s.plugin }] : []))
  return { sources, plugins, scheduled: scheduledSources(stage.sources) }
}
