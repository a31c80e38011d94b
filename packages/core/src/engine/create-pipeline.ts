import { normalizeEvent, type PatchbayEvent, validateEvent } from '@patchbay/protocol'
import type { ConsentWhenMissing } from '../consent/consent-schema.ts'
import type { ConsentView } from '../consent/read-consent.ts'
import { type ClientDeliverer, createClientDeliverer } from '../delivery/client-deliverer.ts'
import { InvalidEventError } from '../errors/errors.ts'
import type { PatchbayError } from '../errors/patchbay-error.ts'
import { createLogger, type LogSink, silentSink } from '../logging/logger.ts'
import type { LoadedPipeline } from '../pipeline/load-pipeline.ts'
import type { PipelineDefinition } from '../pipeline/pipeline-schema.ts'
import { type ConnectionCheck, checkConnection } from '../plugin/check-connection.ts'
import { isClientDestination } from '../plugin/define-client-destination.ts'
import { runtimeServices } from '../plugin/manifest.ts'
import type { UserIdentifier } from '../privacy/user-identifier.ts'
import { createRedactor, type Redactor } from '../redaction/redact.ts'
import { PluginRegistry } from '../registry/plugin-registry.ts'
import { type DeletionOutcome, deleteUsersAt, deleteUsersWithClient } from './_delete-users.ts'
import { deepFreeze } from './_freeze.ts'
import { httpDelivererFactory } from './_http-deliverer.ts'
import { type PrepareContext, prepareDestination, prepareTransformation } from './_prepare.ts'
import { runChain, type Stopped } from './_run-chain.ts'
import { runClientDestination } from './_run-client-destination.ts'
import { runDestination } from './_run-destination.ts'
import type {
  EngineDeliverer,
  PreparedDestination,
  PreparedTransformation,
  UserCodeLoader,
  WorkItem,
} from './_steps.ts'
import type { EventStage } from './event-stage.ts'
import type { Outcome } from './outcome.ts'
import { type RouteContext, type RouteDecision, type RouteTarget, route } from './route.ts'
import type { StepObserver } from './step-observer.ts'
import { runValidateStage, type ValidateStage } from './validate-stage.ts'

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
  /**
   * Make one delivery attempt per request and report a retryable failure as it is (with its
   * `retryAfterMs`), for a runtime that schedules retries itself, durably (the gateway).
   * Default false: the deliverer retries per the destination's `delivery.retry`.
   */
  singleAttempt?: boolean
  /**
   * The validate stage (e.g. a tracking plan, see @patchbay/tracking-plan): runs on each
   * batch of valid, normalised events before the transformation chain, in `process` and
   * `transform` alike, so every host enforces it the same way. Default: none.
   */
  validate?: ValidateStage
  /** Built-in stages run after validation, before the transformations (identity stitching). */
  stages?: readonly EventStage[]
}

/** An input event that did not reach the destinations, and why. */
export interface StoppedInput {
  index: number
  messageId?: string
  status: 'failed' | 'dropped'
  /** `validate` or `transformations.<id>`. */
  step: string
  reason?: string
  error?: {
    code: string
    message: string
    retryable: boolean
    /** The error failed the whole batch, not only this input (see `PatchbayError.poisonsBatch`). */
    poisonsBatch?: boolean
    /** It also took the worker down (see `PatchbayError.takesWorkerDown`). */
    takesWorkerDown?: boolean
  }
}

/** What `transform` made of a batch: the events for the destinations, and the inputs that stopped. */
export interface TransformResult {
  /** Events for the destinations, in order, each with the index of the input it came from. */
  events: Array<{ index: number; event: PatchbayEvent }>
  stopped: StoppedInput[]
}

/** A pipeline ready to run: plugins resolved, configs validated, deliverers open. */
export interface Pipeline {
  readonly name: string
  readonly transformations: ReadonlyArray<{ id: string; source: string }>
  /** `deletes`: the destination's plugin has a `deleteUsers` hook (see `deleteUsers`). */
  readonly destinations: ReadonlyArray<{ id: string; source: string; deletes: boolean }>
  /** The route stage's view of every destination, for `route(event, pipeline.routes)`. */
  readonly routes: readonly RouteTarget[]
  /** What the runtime did on your behalf while loading (e.g. config migrations). */
  readonly notices: readonly string[]
  /**
   * Replaces every form of every step's secret values. The pipeline applies it to its
   * outcomes and log lines already; hosts use it for anything else they print or store.
   */
  readonly redactor: Redactor
  /**
   * Runs a batch of raw events through the pipeline. Returns one outcome per input event
   * and destination, in input order, destination by destination.
   */
  process(events: readonly unknown[], options?: { sourceId?: string }): Promise<Outcome[]>
  /**
   * The first half of `process`, for a runtime that queues between the halves: validates,
   * normalises and runs the transformations. Nothing is delivered. `normalized`: the events
   * were validated and normalised on arrival (the gateway's ingest), so neither is done
   * again; only events a transformation changed are validated (where they were made).
   * `observeSteps`: reports what each transformation step did to the inputs it watches (for
   * a host that shows it, such as the gateway's console); omitted, the chain does no extra work.
   */
  transform(
    events: readonly unknown[],
    options?: { sourceId?: string; normalized?: boolean; observeSteps?: StepObserver },
  ): Promise<TransformResult>
  /**
   * The route stage: one decision per destination for a transformed event (pure; no I/O).
   * Same as `route(event, pipeline.routes, { whenMissing: pipeline.consentPolicy(sourceId) })`.
   * `consent`: the event's consent when the caller read it already (`readConsent(event)`).
   */
  route(event: PatchbayEvent, options?: { sourceId?: string; consent?: ConsentView }): RouteDecision[]
  /**
   * What events from a source (none: from no source) without consent information get at
   * destinations with consent requirements: the source's `consent.whenMissing`, else the
   * pipeline's, else `allow`.
   */
  consentPolicy(sourceId?: string): ConsentWhenMissing
  /**
   * The second half: routes, maps and delivers transformed events at one destination.
   * Returns one outcome per event, in order (`index` is the position in `events`).
   * Consent is checked with the policy of `sourceId`, unless `consentChecked`: the events
   * were routed here by `route` already (the gateway's jobs), with their source's policy.
   * `sizes`: each event's length as JSON text (`JSON.stringify(event).length`), in the order
   * of `events`, when the caller holds that text already (a store returns it): a batch byte
   * bound then counts it instead of serialising the event to measure it. An entry that is
   * not a whole number ≥ 0 is measured instead, and so is every event when the list's length
   * is not the number of events.
   * `proceed`: asked right before each request (each attempt, each client batch) is sent;
   * once it answers false, nothing more of this call is sent, and every event not delivered
   * yet fails with a retryable `PB_DELIVERY_WITHHELD` error. The gateway's PostgreSQL store
   * answers false once this node's lease on the jobs may have run out (the node was stopped
   * or cut off past it), so that it sends nothing another node took over meanwhile.
   */
  deliver(
    destinationId: string,
    events: readonly PatchbayEvent[],
    options?: {
      sourceId?: string
      consentChecked?: boolean
      sizes?: ReadonlyArray<number | undefined>
      proceed?: () => boolean
    },
  ): Promise<Outcome[]>
  /**
   * Runs the `check` hook of every destination that has one, with its prepared config (see
   * `checkConnection`): one result per destination, in pipeline order, secrets redacted.
   * Nothing is delivered. Destinations without a hook answer `unsupported`.
   */
  check(): Promise<Array<ConnectionCheck & { destination: string }>>
  /**
   * Asks a destination to delete these users (a regulation): runs its plugin's `deleteUsers`
   * hook and sends the requests it returns with the destination's delivery policy (one
   * attempt with `singleAttempt`). `unsupported` when the plugin has no hook. Never throws
   * for the destination's answer; errors are redacted.
   */
  deleteUsers(destinationId: string, identifiers: readonly UserIdentifier[]): Promise<DeletionOutcome>
  close(): Promise<void>
}

export type { DeletionOutcome }

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
  const outerSink = options.logSink ?? silentSink
  // Every step's loggers redact their own secrets; this catches the rest (runtime lines,
  // notices) once every step's secrets are known.
  let redactor = createRedactor([])
  const sink: LogSink = (record) =>
    outerSink({
      ...record,
      message: redactor.string(record.message),
      ...(record.fields ? { fields: redactor.value(record.fields) } : {}),
    })
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
    secrets: new Set(),
  }
  const transformations: PreparedTransformation[] = []
  const destinations: Array<{ prepared: PreparedDestination; deliverer: EngineDeliverer | ClientDeliverer }> =
    []
  try {
    for (const [i, step] of (definition.transformations ?? []).entries())
      transformations.push(await prepareTransformation(step, i, prep))
    for (const [i, step] of definition.destinations.entries()) {
      const prepared = await prepareDestination(step, i, prep)
      // A client destination delivers itself (plugin API 2); the HTTP deliverer options do not apply.
      const deliverer = isClientDestination(prepared.plugin)
        ? createClientDeliverer({
            plugin: prepared.plugin,
            context: {
              ...runtimeServices,
              config: prepared.config,
              logger: prepared.logger,
              plugin: prepared.source,
            },
            options: prepared.delivery,
            label: prepared.label,
            redactor: prepared.redactor,
            singleAttempt: options.singleAttempt ?? false,
          })
        : options.createDeliverer
          ? options.createDeliverer(prepared, definition)
          : httpDelivererFactory(prepared, definition, {
              singleAttempt: options.singleAttempt ?? false,
              record: options.record ?? false,
            })
      destinations.push({ prepared, deliverer })
    }
  } catch (error) {
    await Promise.allSettled([
      ...transformations.map((t) => t.close()),
      ...destinations.map((d) => d.deliverer.close()),
    ])
    throw createRedactor(prep.secrets).error(error)
  }
  redactor = createRedactor(prep.secrets)
  /** Outcomes carry the engine's redacted errors; this adds every other step's secrets. */
  const clean = (outcomes: Outcome[]) => outcomes.map((o) => (o.error || o.exchanges ? redactor.value(o) : o))
  const now = options.now ?? (() => new Date())
  const runtimeLog = createLogger({ scope: 'runtime', sink })
  const routes: RouteTarget[] = destinations.map(({ prepared: d }) => ({
    id: d.id,
    label: d.label,
    source: d.source,
    names: d.names,
    filter: d.filter,
    supports: d.supports,
    consent: d.consent,
  }))
  const consentPolicy = consentPolicies(definition, routes, prep.notice)
  const delivery = { record: options.record ?? false, singleAttempt: options.singleAttempt ?? false }
  const runAt = (
    { prepared, deliverer }: (typeof destinations)[number],
    items: WorkItem[],
    stopped: Map<number, Stopped>,
    inputs: Array<{ messageId?: string }>,
    routing: RouteContext & { consentChecked?: boolean; proceed?: () => boolean },
  ) =>
    'deliverBatch' in deliverer
      ? runClientDestination(prepared, deliverer, items, stopped, inputs, delivery, routing)
      : runDestination(prepared, deliverer, items, stopped, inputs, delivery, routing)

  /** Validates, normalises and runs the chain: what `process` and `transform` share. */
  async function runFront(
    events: readonly unknown[],
    at: { sourceId?: string; normalized: boolean; observeSteps?: StepObserver },
  ) {
    const receivedAt = now()
    const stopped = new Map<number, Stopped>()
    const items: WorkItem[] = []
    const inputs = events.map((raw, index) => {
      if (at.normalized) {
        // Validated and normalised on arrival: trusted as is, frozen in place (no copy).
        const event = deepFreeze(raw as PatchbayEvent)
        items.push({ origin: index, event })
        return { messageId: event.messageId }
      }
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
      // Frozen once here, so every transformation and destination shares it without copies
      // and none can change what the others receive.
      const event = deepFreeze(normalizeEvent(checked.event, { receivedAt }))
      items.push({ origin: index, event })
      return { messageId: event.messageId }
    })
    const checked = options.validate
      ? runValidateStage(
          options.validate,
          items,
          at.sourceId === undefined ? {} : { sourceId: at.sourceId },
          stopped,
        )
      : items
    for (const stage of options.stages ?? []) {
      const out = await stage.run(checked.map((item) => item.event))
      if (out.length !== checked.length)
        throw new Error(`stage ${stage.id} returned ${out.length} events for ${checked.length}`)
      for (const [k, item] of checked.entries()) if (out[k] !== item.event) item.event = deepFreeze(out[k]!)
    }
    const alive = await runChain(
      transformations,
      checked,
      at.sourceId === undefined ? {} : { sourceId: at.sourceId },
      stopped,
      at.observeSteps,
    )
    return { stopped, items: alive, inputs }
  }

  return {
    name: definition.name ?? 'pipeline',
    transformations: transformations.map((t) => ({ id: t.id, source: t.source })),
    destinations: destinations.map((d) => ({
      id: d.prepared.id,
      source: d.prepared.source,
      deletes: typeof d.prepared.plugin.deleteUsers === 'function',
    })),
    routes,
    notices,
    redactor,
    async process(events, { sourceId } = {}) {
      const { stopped, items, inputs } = await runFront(events, { sourceId, normalized: false })
      const perDestination = await Promise.all(
        destinations.map((d) => runAt(d, items, stopped, inputs, { whenMissing: consentPolicy(sourceId) })),
      )
      return clean(perDestination.flat())
    },
    async transform(events, { sourceId, normalized = false, observeSteps } = {}) {
      const { stopped, items, inputs } = await runFront(events, { sourceId, normalized, observeSteps })
      return {
        events: items.map((item) => ({ index: item.origin, event: item.event })),
        stopped: [...stopped].map(([index, stop]) => ({
          index,
          ...(inputs[index]?.messageId ? { messageId: inputs[index].messageId } : {}),
          status: stop.status,
          step: stop.step,
          ...(stop.status === 'failed'
            ? {
                error: {
                  code: stop.error.code,
                  message: redactor.string(stop.error.message),
                  retryable: stop.error.family === 'retryable',
                  ...(stop.error.poisonsBatch ? { poisonsBatch: true } : {}),
                  ...(stop.error.takesWorkerDown ? { takesWorkerDown: true } : {}),
                },
              }
            : { reason: stop.reason }),
        })),
      }
    },
    route: (event, { sourceId, consent } = {}) =>
      route(event, routes, { whenMissing: consentPolicy(sourceId), ...(consent ? { consent } : {}) }),
    consentPolicy,
    async deliver(destinationId, events, { sourceId, consentChecked = false, sizes, proceed } = {}) {
      const destination = destinations.find((d) => d.prepared.id === destinationId)
      if (!destination)
        throw new Error(
          `pipeline ${definition.name ?? ''} has no destination "${destinationId}"; it has ${destinations.map((d) => d.prepared.id).join(', ')}`,
        )
      const given = sizes?.length === events.length ? sizes : undefined
      const items = events.map((event, origin): WorkItem => {
        const size = given?.[origin]
        return Number.isSafeInteger(size) && size! >= 0
          ? { origin, event: deepFreeze(event), size }
          : { origin, event: deepFreeze(event) }
      })
      const inputs = events.map((event) => ({ messageId: event.messageId }))
      return clean(
        await runAt(destination, items, new Map(), inputs, {
          whenMissing: consentPolicy(sourceId),
          consentChecked,
          ...(proceed ? { proceed } : {}),
        }),
      )
    },
    check() {
      return Promise.all(
        destinations.map(async ({ prepared }) => ({
          destination: prepared.id,
          ...(await checkConnection(prepared.plugin, prepared.config, { logSink: sink })),
        })),
      )
    },
    async deleteUsers(destinationId, identifiers) {
      const destination = destinations.find((d) => d.prepared.id === destinationId)
      if (!destination)
        throw new Error(
          `pipeline ${definition.name ?? ''} has no destination "${destinationId}"; it has ${destinations.map((d) => d.prepared.id).join(', ')}`,
        )
      // A client destination deletes through its own client; an HTTP one returns requests.
      const outcome =
        'deliverBatch' in destination.deliverer
          ? await deleteUsersWithClient(destination.prepared, destination.deliverer, identifiers)
          : await deleteUsersAt(destination.prepared, destination.deliverer, identifiers)
      return outcome.status === 'failed' ? redactor.value(outcome) : outcome
    },
    async close() {
      await Promise.allSettled([
        ...transformations.map((t) => t.close()),
        ...destinations.map((d) => d.deliverer.close()),
      ])
    },
  }
}

/**
 * Each source's `consent.whenMissing`, else the pipeline's, else `allow`. When a destination
 * has consent requirements and that default applies somewhere, the pipeline says so in a
 * notice: the default is never a silent guess.
 */
function consentPolicies(
  definition: PipelineDefinition,
  routes: readonly RouteTarget[],
  notice: (message: string) => void,
): (sourceId?: string) => ConsentWhenMissing {
  const fallback = definition.consent?.whenMissing ?? 'allow'
  const bySource = new Map(
    (definition.sources ?? []).map((s) => [s.id, s.consent?.whenMissing ?? fallback] as const),
  )
  const needing = routes.filter((r) => r.consent).map((r) => r.id)
  if (needing.length > 0 && !definition.consent) {
    const unset = (definition.sources ?? []).filter((s) => !s.consent).map((s) => s.id)
    notice(
      `consent: ${needing.join(', ')} need${needing.length === 1 ? 's' : ''} consent; events without consent information from ${
        unset.length > 0 ? `sources ${unset.join(', ')} and ` : ''
      }no source (\`patchbay run\` without --source) are delivered to ${needing.length === 1 ? 'it' : 'them'} (consent.whenMissing defaults to allow). Set \`consent: { whenMissing: deny }\` on the pipeline or a source to drop them instead.`,
    )
  }
  return (sourceId) => (sourceId === undefined ? fallback : (bySource.get(sourceId) ?? fallback))
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
