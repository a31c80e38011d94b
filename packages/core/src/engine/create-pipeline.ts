import { normalizeEvent, validateEvent } from '@patchbay/protocol'
import { InvalidEventError } from '../errors/errors.ts'
import type { PatchbayError } from '../errors/patchbay-error.ts'
import { createLogger, type LogSink, silentSink } from '../logging/logger.ts'
import type { LoadedPipeline } from '../pipeline/load-pipeline.ts'
import type { PipelineDefinition } from '../pipeline/pipeline-schema.ts'
import { PluginRegistry } from '../registry/plugin-registry.ts'
import { httpDelivererFactory } from './_http-deliverer.ts'
import { type PrepareContext, prepareDestination, prepareTransformation } from './_prepare.ts'
import { runChain, type Stopped } from './_run-chain.ts'
import { runDestination } from './_run-destination.ts'
import type {
  EngineDeliverer,
  PreparedDestination,
  PreparedTransformation,
  UserCodeLoader,
  WorkItem,
} from './_steps.ts'
import type { Outcome } from './outcome.ts'

export interface PipelineOptions {
  /** Where plugins come from (default: installed packages, seen from the pipeline folder). */
  registry?: PluginRegistry
  /** Builds each destination's deliverer. Default: HTTP over undici with the pipeline's egress policy. */
  createDeliverer?: (destination: PreparedDestination, pipeline: PipelineDefinition) => EngineDeliverer
  /** Runs `code:` transformation steps; @patchbay/sandbox provides one. */
  userCode?: UserCodeLoader
  /** Receives log lines (plugin logs, migration notices). Default: dropped. */
  logSink?: LogSink
  /** The clock used for `receivedAt` when normalising. */
  now?: () => Date
  /** Keep redacted request/response records in outcomes (default false). */
  record?: boolean
}

/** A pipeline ready to run: plugins resolved, configs validated, deliverers open. */
export interface Pipeline {
  readonly name: string
  readonly transformations: ReadonlyArray<{ id: string; source: string }>
  readonly destinations: ReadonlyArray<{ id: string; source: string }>
  /** What the runtime did on your behalf while loading (e.g. config migrations). */
  readonly notices: readonly string[]
  /**
   * Runs a batch of raw events through the pipeline. Returns one outcome per input event
   * and destination, in input order, destination by destination.
   */
  process(events: readonly unknown[], options?: { sourceId?: string }): Promise<Outcome[]>
  close(): Promise<void>
}

/**
 * Prepares a pipeline from a loaded pipeline file (or a definition and its base folder):
 * resolves every plugin, migrates and validates every config, and opens deliverers.
 * Every problem is a PatchbayError that names the file, line and field.
 *
 * @example
 * const pipeline = await createPipeline(loadPipelineFile('pipeline.yaml'))
 * const outcomes = await pipeline.process(events)
 * await pipeline.close()
 */
export async function createPipeline(
  loaded: LoadedPipeline | { definition: PipelineDefinition; baseDir: string; file?: string },
  options: PipelineOptions = {},
): Promise<Pipeline> {
  const { definition, baseDir } = loaded
  const sink = options.logSink ?? silentSink
  const notices: string[] = []
  const prep: PrepareContext = {
    registry: options.registry ?? new PluginRegistry({ cwd: baseDir }),
    baseDir,
    locate: 'locate' in loaded ? loaded.locate : undefined,
    sink,
    notice: (message) => {
      notices.push(message)
      sink({ level: 'info', scope: 'runtime', message })
    },
    userCode: options.userCode,
    sandbox: definition.sandbox,
  }
  const transformations: PreparedTransformation[] = []
  const destinations: Array<{ prepared: PreparedDestination; deliverer: EngineDeliverer }> = []
  try {
    for (const [i, step] of (definition.transformations ?? []).entries())
      transformations.push(await prepareTransformation(step, i, prep))
    for (const [i, step] of definition.destinations.entries()) {
      const prepared = await prepareDestination(step, i, prep)
      const deliverer = (options.createDeliverer ?? httpDelivererFactory)(prepared, definition)
      destinations.push({ prepared, deliverer })
    }
  } catch (error) {
    await Promise.allSettled([
      ...transformations.map((t) => t.close()),
      ...destinations.map((d) => d.deliverer.close()),
    ])
    throw error
  }
  const now = options.now ?? (() => new Date())
  const runtimeLog = createLogger({ scope: 'runtime', sink })

  return {
    name: definition.name ?? 'pipeline',
    transformations: transformations.map((t) => ({ id: t.id, source: t.source })),
    destinations: destinations.map((d) => ({ id: d.prepared.id, source: d.prepared.source })),
    notices,
    async process(events, { sourceId } = {}) {
      const receivedAt = now()
      const stopped = new Map<number, Stopped>()
      const items: WorkItem[] = []
      const inputs = events.map((raw, index) => {
        const checked = validateEvent(raw)
        if (!checked.ok) {
          const issue = checked.errors[0]
          const messageId =
            typeof (raw as { messageId?: unknown })?.messageId === 'string'
              ? (raw as { messageId: string }).messageId
              : undefined
          stopped.set(index, {
            status: 'failed',
            step: 'validate',
            error: invalidInput(index, messageId, checked.errors),
          })
          runtimeLog.debug('rejected an invalid event', { index, path: issue?.path })
          return { messageId }
        }
        const event = normalizeEvent(checked.event, { receivedAt })
        items.push({ origin: index, event })
        return { messageId: event.messageId }
      })
      const alive = await runChain(
        transformations,
        items,
        sourceId === undefined ? {} : { sourceId },
        stopped,
      )
      const perDestination = await Promise.all(
        destinations.map(({ prepared, deliverer }) =>
          runDestination(prepared, deliverer, alive, stopped, inputs, options.record ?? false),
        ),
      )
      return perDestination.flat()
    },
    async close() {
      await Promise.allSettled([
        ...transformations.map((t) => t.close()),
        ...destinations.map((d) => d.deliverer.close()),
      ])
    },
  }
}

function invalidInput(
  index: number,
  messageId: string | undefined,
  errors: Array<{ path: string; message: string }>,
): PatchbayError {
  const list = errors.map((e) => e.message).join('; ')
  return new InvalidEventError(
    `event #${index + 1}${messageId ? ` (${messageId})` : ''} is not a valid event: ${list}`,
    {
      field: errors[0]?.path,
      messageId,
      details: { issues: errors },
    },
  )
}
