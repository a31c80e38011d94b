import type { SyncBatch, SyncContext } from '../extract/sync.ts'
import type { InboundRequest } from '../http/http-request.ts'
import { type LogSink, silentSink } from '../logging/logger.ts'
import type { LoadedPipeline } from '../pipeline/load-pipeline.ts'
import type { PipelineDefinition } from '../pipeline/pipeline-schema.ts'
import type { SourcePlugin, SourceResult } from '../plugin/define-source.ts'
import { runtimeServices } from '../plugin/manifest.ts'
import { createRedactor, type Redactor } from '../redaction/redact.ts'
import { PluginRegistry } from '../registry/plugin-registry.ts'
import { configure, type PrepareContext, resolveStep } from './_prepare.ts'

/**
 * The source stage of a pipeline: one `sources:` step, ready to turn input into raw events.
 * Prepared like every other plugin (registry resolution, config migration to the installed
 * major, validation, a logger and errors that redact the step's secrets), so every host
 * (the gateway, `patchbay run --source`, `dev`) runs the same source rather than its own copy.
 */
export interface PreparedSource {
  readonly id: string
  /** `sources.<id>`, as logs and errors name the step. */
  readonly label: string
  readonly writeKey?: string
  /** `name@version` of the source plugin; absent for a source that only takes SDK calls. */
  readonly plugin?: string
  /** Replaces the source's secret values (its config's `Secret` fields). */
  readonly redactor: Redactor
  /**
   * Turns an inbound request into raw events (absent without a `use:` plugin). Errors come
   * back redacted: their message may reach the client's 400 and the log.
   */
  readonly parse?: (request: InboundRequest) => Promise<SourceResult>
  /**
   * For line-oriented sources (logs): batches of raw events from a stream of lines. Absent
   * when the plugin reads requests only. `origin` names the file or `stdin`.
   */
  readonly readLines?: (lines: AsyncIterable<string>, origin: string) => AsyncIterable<unknown[]>
  /** For sources that pull (Singer, Airbyte): one sync from a state; run it with `runSync`. */
  readonly sync?: (ctx: SyncContext) => AsyncIterable<SyncBatch>
  /** The step's `schedule:` (cron), for hosts that run syncs on a clock (the gateway). */
  readonly schedule?: string
}

export interface SourceStageOptions {
  /** Where plugins come from (default: installed packages, seen from the pipeline folder). */
  registry?: PluginRegistry
  /** Receives the sources' log lines and the runtime's notices (config migrations). Default: dropped. */
  logSink?: LogSink
  /** Prepare only these sources (by id). Default: all of them. */
  only?: readonly string[]
}

/** The prepared sources, and what the runtime did on their behalf (config migrations). */
export interface SourceStage {
  sources: PreparedSource[]
  notices: string[]
}

/**
 * Prepares a pipeline's sources: resolves each `use:` plugin, migrates and validates its
 * config (a config error names file:line and the field, with secrets redacted), and wraps
 * its `parse` and `readLines` with the step's logger and redactor.
 *
 * @example
 * const { sources } = await prepareSources(loadPipelineFile('pipeline.yaml'))
 * const web = sources.find((s) => s.id === 'hooks')
 * const { events } = await web.parse!(request)
 */
export async function prepareSources(
  loaded: LoadedPipeline | { definition: PipelineDefinition; baseDir: string },
  options: SourceStageOptions = {},
): Promise<SourceStage> {
  const sink = options.logSink ?? silentSink
  const notices: string[] = []
  const ctx: PrepareContext = {
    registry: options.registry ?? new PluginRegistry({ cwd: loaded.baseDir }),
    baseDir: loaded.baseDir,
    locate: 'locate' in loaded ? loaded.locate : undefined,
    sink,
    notice: (message) => {
      notices.push(message)
      sink({ level: 'info', scope: 'runtime', message })
    },
    userCode: undefined,
    sandbox: loaded.definition.sandbox,
    secrets: new Set(),
  }
  const sources: PreparedSource[] = []
  for (const [index, step] of (loaded.definition.sources ?? []).entries()) {
    if (options.only && !options.only.includes(step.id)) continue
    const label = `sources.${step.id}`
    const base = { id: step.id, label, ...(step.writeKey ? { writeKey: step.writeKey } : {}) }
    if (!step.use) {
      sources.push({ ...base, redactor: createRedactor([]) })
      continue
    }
    const pointer = `/sources/${index}`
    const resolved = await resolveStep(step.use, 'source', pointer, ctx)
    const plugin = resolved.plugin as SourcePlugin
    const { config, logger, redactor } = await configure(resolved, step.config, pointer, label, ctx)
    const pluginCtx = { ...runtimeServices, config, logger, plugin: resolved.id }
    sources.push({
      ...base,
      plugin: resolved.id,
      redactor,
      parse: async (request) => {
        try {
          return await plugin.parse(request, pluginCtx)
        } catch (error) {
          throw redactor.error(error)
        }
      },
      ...(step.schedule ? { schedule: step.schedule } : {}),
      ...(plugin.sync
        ? {
            sync: (syncCtx: SyncContext) =>
              redactedLines(plugin.sync!({ ...pluginCtx, baseDir: loaded.baseDir, ...syncCtx }), redactor),
          }
        : {}),
      ...(plugin.readLines
        ? {
            readLines: (lines: AsyncIterable<string>, origin: string) =>
              redactedLines(plugin.readLines!(lines, { ...pluginCtx, origin }), redactor),
          }
        : {}),
    })
  }
  return { sources, notices }
}

async function* redactedLines<T>(batches: AsyncIterable<T>, redactor: Redactor) {
  try {
    yield* batches
  } catch (error) {
    throw redactor.error(error)
  }
}
