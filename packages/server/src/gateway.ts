import './error-codes.ts'
import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import {
  ConfigurationError,
  createPipeline,
  type LoadedPipeline,
  type LogSink,
  loadPipelineFile,
  type Pipeline,
  type PipelineDefinition,
  PluginRegistry,
  type Redactor,
  silentSink,
  type UserCodeLoader,
} from '@patchbay/core'
import {
  type IdentityGraph,
  type IdentityStore,
  identityStage,
  openIdentityGraph,
  openPostgresIdentityStore,
  openSqliteIdentityStore,
} from '@patchbay/identity'
import { type EnforcedPlan, enforcePlans, type PlanCount } from '@patchbay/tracking-plan'
import { checkDestinations } from './_check-destinations.ts'
import { watchPlans } from './_plan-watch.ts'
import { guardProcess } from './_process-guard.ts'
import { createRequestHandler } from './_request-handler.ts'
import { loadSources } from './_sources.ts'
import { createStorageHealth } from './_storage-health.ts'
import { createAdminHandler } from './admin/admin-handler.ts'
import { createConsole } from './console/index.ts'
import { createWakeup } from './delivery/_wakeup.ts'
import { type GatewayDestination, startProcessor } from './delivery/processor.ts'
import { startDeliveryWorkers } from './delivery/workers.ts'
import { overloadCheck } from './ingest/_backpressure.ts'
import { createIngestHandler } from './ingest/ingest-handler.ts'
import { createGatewayMetrics } from './metrics/index.ts'
import { type GatewayOptionsInput, type ResolvedGatewayOptions, resolveGatewayOptions } from './options.ts'
import { resolvePipelineSettings } from './pipeline-settings.ts'
import { createDeliveryGate } from './regulations/_delivery-gate.ts'
import { createSuppression, type Suppression } from './regulations/_suppression.ts'
import { startDeletionWorker } from './regulations/deletion-worker.ts'
import { createRegulationService, type RegulationService } from './regulations/regulation-service.ts'
import { redactUrl } from './store/postgres/_url.ts'
import { openPostgresStore } from './store/postgres/postgres-store.ts'
import { openSqliteStore } from './store/sqlite-store.ts'
import type { DeadLetters, Store, StoreStats } from './store/store.ts'
import { startSyncScheduler } from './sync/scheduler.ts'

export interface GatewayInit {
  /** A loaded pipeline file (`loadPipelineFile`), or a definition and the folder it is relative to. */
  pipeline: LoadedPipeline | { definition: PipelineDefinition; baseDir: string }
  options?: GatewayOptionsInput
  /** Where plugins come from (default: installed packages, seen from the pipeline folder). */
  registry?: PluginRegistry
  /** Log lines: plugins, delivery problems, shutdown. Default: dropped. */
  logSink?: LogSink
  /** Runs `code:` steps. Default: @patchbay/sandbox when the pipeline has any (closed with the gateway; a loader you pass stays yours to close). */
  userCode?: UserCodeLoader
  /**
   * Keep the process up when an error escapes every handler (logged, counted in
   * `patchbay_internal_errors_total{where="uncaught"}`), until more than 10 a minute say the
   * process is broken. Default true; false leaves `uncaughtException` to the host.
   */
  guardProcess?: boolean
  /**
   * How to read the pipeline file again when it or a tracking plan it names changes (the
   * gateway then reloads the plans; see `reloadPlans`). Default: `loadPipelineFile(file)`
   * with the process environment. Only for a pipeline loaded from a file.
   */
  reloadPipeline?: () => LoadedPipeline
  /** Watch the pipeline and plan files and reload the plans when they change (default true). */
  watchPlans?: boolean
}

/** A running gateway. */
export interface Gateway {
  /** `http://host:port`. */
  readonly url: string
  readonly options: ResolvedGatewayOptions
  /** The absolute data directory. */
  readonly dataDir: string
  /** Where the queue lives: the SQLite database file, or the PostgreSQL URL without its password. */
  readonly store: string
  /** Every plugin step loaded, with the plugin's name@version. */
  readonly plugins: ReadonlyArray<{ step: string; source: string }>
  stats(): Promise<StoreStats>
  /** The dead letter queue: aborted jobs, to inspect, replay (after a fix) or purge while running. */
  readonly deadLetters: DeadLetters
  /** Regulations: suppress users (and delete them at the destinations that can), as `/admin/regulations` does. */
  readonly regulations: RegulationService
  /** The Prometheus exposition `/metrics` serves (prom-client renders asynchronously). */
  metrics(): Promise<string>
  /** The tracking plans in force, per source (`trackingPlan:` in the pipeline). */
  plans(): EnforcedPlan[]
  /**
   * Loads the sources' tracking plans again, from `pipeline` (the pipeline file read again:
   * only its `trackingPlan` references are taken) or the one the gateway started with, and
   * swaps them in between two processor batches: no accepted event is lost or skipped, and
   * each is checked by one plan. An invalid plan throws and the plans in force stay.
   */
  reloadPlans(pipeline?: GatewayInit['pipeline']): EnforcedPlan[]
  /** Replaces every form of the pipeline's secrets: for anything a host prints besides the log. */
  readonly redactor: Redactor
  /**
   * Graceful shutdown: stops accepting, lets deliveries in flight finish (up to
   * `shutdownTimeoutMs`; unfinished ones are retried at the next start), and closes the store.
   */
  close(): Promise<void>
}

/** The PostgreSQL store when a store URL is given, else the SQLite store of the data directory. */
async function openStore(dir: string, options: ResolvedGatewayOptions, redactor: Redactor): Promise<Store> {
  if (options.store !== undefined) {
    try {
      return await openPostgresStore({ url: options.store, ...options.postgres })
    } catch (error) {
      throw new ConfigurationError(redactor.string((error as Error).message), {
        code: 'PB_GATEWAY_STORE_URL',
      })
    }
  }
  try {
    return openSqliteStore({ dir })
  } catch (error) {
    throw new ConfigurationError((error as Error).message, { code: 'PB_GATEWAY_DATA_DIR', cause: error })
  }
}

async function defaultUserCode(
  definition: PipelineDefinition,
  sink: LogSink,
  identity: () => IdentityGraph | undefined,
) {
  if (!definition.transformations?.some((t) => t.code !== undefined)) return undefined
  const { createUserCodeLoader } = await import('@patchbay/sandbox')
  return createUserCodeLoader({
    ...definition.sandbox,
    ...(definition.egress ? { egress: definition.egress } : {}),
    // `lookupIdentity(id)` in user code, read-only, when the pipeline stitches identities.
    ...(definition.identity
      ? {
          lookupIdentity: (id: string) =>
            identity()?.lookup(id) ?? Promise.reject(new Error('the identity graph is not open yet')),
        }
      : {}),
    // What user code logs (console.log) goes to the gateway log, under its step.
    onLog: (log) =>
      sink({
        level: log.level === 'error' || log.level === 'warn' ? log.level : 'info',
        scope: log.step,
        message: log.message,
      }),
  })
}

/**
 * Jobs of destinations the pipeline no longer has would wait forever (and count towards
 * backpressure): they become dead letters, to replay once the destination is back, or purge.
 */
async function retireOrphanJobs(
  store: Store,
  destinations: ReadonlySet<string>,
  sink: LogSink,
): Promise<void> {
  for (const destinationId of Object.keys((await store.stats()).jobs)) {
    if (destinations.has(destinationId)) continue
    let moved = 0
    for (;;) {
      const jobs = await store.claim(destinationId, {
        limit: 500,
        now: Number.MAX_SAFE_INTEGER,
        ordered: false,
      })
      if (jobs.length === 0) break
      for (const job of jobs)
        await store.abort(job.id, {
          reason: `destination "${destinationId}" is no longer in the pipeline`,
          now: Date.now(),
        })
      moved += jobs.length
    }
    sink({
      level: 'warn',
      scope: 'gateway',
      message: `${moved} queued jobs of destination "${destinationId}", which the pipeline no longer has, are now dead letters: see \`patchbay dlq list --destination ${destinationId}\``,
    })
  }
}

/**
 * Starts the gateway: opens the durable store in the data directory (taking its lock),
 * retries what a crash left in flight, loads the pipeline, and serves the Segment/RudderStack
 * HTTP API. Events are acknowledged only once committed; transformations and delivery run
 * behind the queue, with retries kept in the store.
 *
 * @example
 * const gateway = await startGateway({ pipeline: loadPipelineFile('pipeline.yaml'), options: { port: 8080 } })
 * console.log(`listening on ${gateway.url}`)
 * process.on('SIGTERM', () => gateway.close())
 */
export async function startGateway(init: GatewayInit): Promise<Gateway> {
  const options = resolveGatewayOptions(init.options)
  const sink = init.logSink ?? silentSink
  const { definition, baseDir } = init.pipeline
  const registry = init.registry ?? new PluginRegistry({ cwd: baseDir })
  const dataDir = resolve(options.dataDir)
  // The pipeline's gateway-only settings, checked before anything starts.
  const settings = resolvePipelineSettings(init.pipeline)

  const { sources, plugins: sourcePlugins, scheduled } = await loadSources(init.pipeline, registry, sink)
  // The validate stage: every source's tracking plan, compiled once (reloadable).
  let countPlans: (counts: readonly PlanCount[]) => void = () => {}
  const plans = enforcePlans(init.pipeline, { observe: (counts) => countPlans(counts) })
  // Identity stitching (pipeline `identity:`): the graph opens once the data directory is locked.
  let identity: IdentityGraph | undefined
  const userCode = init.userCode ?? (await defaultUserCode(definition, sink, () => identity))
  // The gateway closes the sandbox loader it made; one passed in belongs to the caller.
  const closeUserCode = async () => {
    if (!init.userCode) await (userCode as { close?: () => Promise<void> } | undefined)?.close?.()
  }
  const pipeline: Pipeline = await createPipeline(init.pipeline, {
    registry,
    logSink: sink,
    singleAttempt: true,
    ...(userCode ? { userCode } : {}),
    ...(plans.stage ? { validate: plans.stage } : {}),
    ...(definition.identity
      ? {
          stages: [
            { id: 'identity', run: (events) => identityStage(identity!, { changes: true }).run(events) },
          ],
        }
      : {}),
  })
  try {
    await checkDestinations(pipeline, options.checkOnStart, sink)
  } catch (error) {
    await pipeline.close()
    await closeUserCode()
    throw error
  }
  let rawStore: Store
  try {
    rawStore = await openStore(dataDir, options, pipeline.redactor)
  } catch (error) {
    await pipeline.close()
    await closeUserCode()
    throw error
  }
  if (definition.identity) {
    let identityStore: IdentityStore | undefined
    try {
      // With the PostgreSQL store, one graph in its database that every node shares.
      identityStore =
        options.store === undefined
          ? openSqliteIdentityStore({ dir: dataDir })
          : await openPostgresIdentityStore({ url: options.store })
      identity = await openIdentityGraph({ store: identityStore, settings: definition.identity })
    } catch (error) {
      await Promise.allSettled([pipeline.close(), closeUserCode(), rawStore.close(), identityStore?.close()])
      throw error
    }
  }
  // The web console watches the store and the deliveries (it never blocks them); off without an admin token.
  let metricsRender: () => Promise<string> = async () => ''
  const webConsole = createConsole({
    token: options.adminToken,
    sources: sources.map((s) => s.id),
    destinations: definition.destinations.map((d) => d.id),
    transformations: (definition.transformations ?? []).map((t) => t.id),
    sandbox: { ...definition.sandbox, ...(definition.egress ? { egress: definition.egress } : {}) },
    redactor: pipeline.redactor,
    metrics: () => metricsRender(),
    stats: () => rawStore.stats(),
    find: (query) => rawStore.find(query),
  })
  const store = webConsole.observeStore(rawStore)
  let released: number
  let suppression: Suppression
  try {
    released = await store.releaseInFlight()
    await retireOrphanJobs(store, new Set(definition.destinations.map((d) => d.id)), sink)
    // Regulations in force, before the first event is taken: they survive restarts.
    suppression = await createSuppression({
      regulations: store.regulations,
      types: options.regulations.traits,
      refreshMs: options.regulations.refreshMs,
      onError: (error) =>
        sink({
          level: 'warn',
          scope: 'gateway',
          message: `reading the regulations failed; the ones known stay in force: ${(error as Error).message}`,
        }),
    })
    if (options.store === undefined) await store.regulations.releaseDeletions()
  } catch (error) {
    await Promise.allSettled([
      pipeline.close(),
      store.close(),
      closeUserCode(),
      webConsole.close(),
      identity?.close(),
    ])
    throw error
  }
  if (released > 0)
    sink({
      level: 'info',
      scope: 'gateway',
      message:
        options.store === undefined
          ? `${released} deliveries were in flight at the last stop; retrying them`
          : `${released} deliveries whose lease had expired (a node stopped without giving them back) are waiting again; retrying them`,
    })

  // Made only now that the gateway starts for sure (a refused start leaves no data dir). The
  // SQLite store made it already; with PostgreSQL, the reserve file and the sync states need
  // it all the same. One that cannot be made is reported by what uses it.
  try {
    mkdirSync(dataDir, { recursive: true })
  } catch {}
  const storage = createStorageHealth({
    dir: dataDir,
    reserveBytes: options.limits.storageReserveBytes,
    // Room again once the reserve and two of the largest bodies fit (checked every second).
    roomBytes: 2 * options.limits.batchBytes,
    log: sink,
  })
  const metrics = createGatewayMetrics(() => store.stats(), {
    destinations: definition.destinations.map((d) => d.id),
    storageFull: () => storage.full(),
  })
  countPlans = metrics.plan
  const pipelineFile = 'file' in init.pipeline ? (init.pipeline as LoadedPipeline).file : undefined
  const reloadPlans = (next?: GatewayInit['pipeline']) => {
    if (!plans.stage)
      throw new ConfigurationError('the gateway started without a tracking plan; restart it to add one', {
        code: 'PB_PIPELINE_INVALID',
        hint: 'The validate stage is set up at start: add `trackingPlan` to a source and restart.',
      })
    const loaded = plans.reload(next)
    for (const p of loaded)
      sink({
        level: 'info',
        scope: 'gateway',
        message: `source ${p.source} enforces tracking plan ${p.name} v${p.version} (${p.file})`,
      })
    return loaded
  }
  const planWatch =
    plans.stage && pipelineFile && init.watchPlans !== false
      ? watchPlans({
          pipelineFile,
          planFiles: plans.plans().map((p) => p.file),
          reload: () =>
            reloadPlans(init.reloadPipeline ? init.reloadPipeline() : loadPipelineFile(pipelineFile)).map(
              (p) => p.file,
            ),
          log: sink,
        })
      : undefined
  metricsRender = () => metrics.render()
  const destinations: GatewayDestination[] = definition.destinations.map((d) => ({
    id: d.id,
    ordering: settings.ordering.get(d.id) ?? 'none',
  }))
  const processorWakeup = createWakeup()
  const deliveryWakeups = new Map(destinations.map((d) => [d.id, createWakeup()]))
  const processor = startProcessor({
    // While the disk is full, accepted events wait: turning them into jobs is a large write
    // that would fail anyway, and its attempts would eat the space deliveries settle in.
    store: {
      ...store,
      readPending: (limit) => (storage.full() ? Promise.resolve([]) : store.readPending(limit)),
    },
    pipeline: webConsole.observeTransform(pipeline),
    destinations,
    wakeup: processorWakeup,
    onJobs: () => {
      for (const wakeup of deliveryWakeups.values()) wakeup.wake()
    },
    onStopped: (source, status, step, count) => metrics.stopped(source, status, step, count),
    // Routing happens before any job exists: what it keeps from a destination counts there.
    onRouted: (destinationId, status, { sourceId, because }) => {
      if (status === 'failed') return metrics.aborted(destinationId)
      metrics.dropped(destinationId)
      if (because) metrics.consentDropped(sourceId, destinationId, because)
    },
    // Consent is read (and its malformed fields counted) only where a destination needs it.
    ...(pipeline.routes.some((r) => r.consent)
      ? { onConsentIssues: (sourceId, issues) => metrics.consentIssues(sourceId, issues) }
      : {}),
    log: sink,
    suppression,
    onSuppressed: (sourceId, count) => metrics.suppressed(sourceId, 'processor', count),
    // Poison-pill protection whenever transformations run: a batch that fails as a whole ends.
    ...(userCode || (definition.transformations?.length ?? 0) > 0
      ? { maxTransformAttempts: settings.maxTransformAttempts }
      : {}),
  })
  const gate = createDeliveryGate()
  const workers = destinations.map((destination) =>
    startDeliveryWorkers({
      store,
      suppression,
      gate,
      pipeline: webConsole.observeDeliver(pipeline),
      destination,
      settings: { ...options.delivery, claim: settings.claim.get(destination.id) ?? options.delivery.claim },
      retry: options.retry,
      counters: metrics,
      wakeup: deliveryWakeups.get(destination.id)!,
      log: sink,
      onStoreError: (error) => {
        if (!storage.report(error)) metrics.internalError('delivery')
      },
    }),
  )

  const syncs = startSyncScheduler({
    sources: scheduled,
    store,
    dataDir,
    eventBytes: options.limits.eventBytes,
    log: sink,
    onAccepted: () => processorWakeup.wake(),
  })

  const overloaded = overloadCheck(() => store.stats(), options.backpressure)
  const ingest = createIngestHandler({
    sources,
    store,
    counters: metrics,
    limits: options.limits,
    trustProxy: options.trustProxy,
    overloaded,
    retryAfterSeconds: options.backpressure.retryAfterSeconds,
    storage,
    suppression,
    onAccepted: () => processorWakeup.wake(),
    onError: (error) =>
      sink({
        level: 'error',
        scope: 'gateway',
        message: `storing a request failed: ${(error as Error).stack ?? error}`,
      }),
  })

  const deadLetters: DeadLetters = {
    list: (o) => store.deadLetters.list(o),
    get: (id) => store.deadLetters.get(id),
    count: (d) => store.deadLetters.count(d),
    replay: async (selector, now) => {
      const n = await store.deadLetters.replay(selector, now)
      for (const wakeup of deliveryWakeups.values()) wakeup.wake()
      return n
    },
    purge: (selector) => store.deadLetters.purge(selector),
  }
  const deletionWakeup = createWakeup()
  const deletions = startDeletionWorker({
    store,
    pipeline,
    retry: options.retry,
    leaseMs: options.regulations.deletionLeaseMs,
    wakeup: deletionWakeup,
    log: sink,
  })
  const regulations = createRegulationService({
    store,
    suppression,
    gate,
    destinations: pipeline.destinations.map((d) => ({ id: d.id, deletes: d.deletes })),
    traits: options.regulations.traits,
    onDeletions: () => deletionWakeup.wake(),
  })
  const admin = createAdminHandler({
    token: options.adminToken,
    deadLetters,
    stats: () => store.stats(),
    regulations,
    identity,
  })

  let closing = false
  const server: Server = createServer(
    createRequestHandler({
      health: async () => {
        let queue: StoreStats | { error: string }
        try {
          queue = await store.stats()
        } catch (error) {
          // The store cannot be reached: the gateway is up but cannot take events.
          queue = { error: (error as Error).message }
        }
        const reachable = !('error' in queue)
        return {
          status: closing || !reachable ? 503 : 200,
          body: {
            status: closing
              ? 'stopping'
              : !reachable
                ? 'store unavailable'
                : storage.full()
                  ? 'degraded'
                  : 'ok',
            queue,
            storage: storage.status(),
          },
        }
      },
      metrics,
      admin,
      console: webConsole.handler(deadLetters),
      ingest,
      log: sink,
      internalError: (where) => metrics.internalError(where),
    }),
  )
  const unguard =
    init.guardProcess === false
      ? () => {}
      : guardProcess({ log: sink, counted: () => metrics.internalError('uncaught') })
  server.keepAliveTimeout = 65_000
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject)
      server.listen(options.port, options.host, () => resolveListen())
    })
  } catch (error) {
    unguard()
    storage.close()
    suppression.stop()
    planWatch?.close()
    await syncs.stop()
    await Promise.allSettled([processor.stop(), deletions.stop(), ...workers.map((w) => w.stop())])
    await Promise.allSettled([
      pipeline.close(),
      store.close(),
      closeUserCode(),
      webConsole.close(),
      identity?.close(),
    ])
    throw new ConfigurationError(
      `cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`,
      { code: 'PB_GATEWAY_LISTEN', cause: error },
    )
  }
  const { port } = server.address() as AddressInfo

  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    // The store URL's password stays inside: hosts print these options.
    options: options.store === undefined ? options : { ...options, store: redactUrl(options.store) },
    dataDir,
    store: options.store === undefined ? resolve(dataDir, 'patchbay.db') : redactUrl(options.store),
    plugins: [
      ...sourcePlugins,
      ...pipeline.transformations.map((t) => ({ step: `transformations.${t.id}`, source: t.source })),
      ...pipeline.destinations.map((d) => ({ step: `destinations.${d.id}`, source: d.source })),
    ],
    stats: () => store.stats(),
    deadLetters,
    regulations,
    metrics: () => metrics.render(),
    plans: () => plans.plans(),
    reloadPlans,
    redactor: pipeline.redactor,
    async close() {
      if (closing) return
      closing = true
      planWatch?.close()
      const stopped = new Promise<void>((r) => server.close(() => r()))
      server.closeIdleConnections()
      await syncs.stop()
      await processor.stop()
      const drained = Promise.all([...workers.map((w) => w.stop()), deletions.stop()])
      const timeout = new Promise<'timeout'>((r) =>
        setTimeout(() => r('timeout'), options.shutdownTimeoutMs).unref(),
      )
      if ((await Promise.race([drained, timeout])) === 'timeout')
        sink({
          level: 'warn',
          scope: 'gateway',
          message: `deliveries still in flight after ${options.shutdownTimeoutMs} ms; they will be retried at the next start`,
        })
      server.closeAllConnections()
      await stopped
      await pipeline.close()
      await closeUserCode()
      await webConsole.close()
      await identity?.close()
      suppression.stop()
      await store.close()
      storage.close()
      unguard()
    },
  }
}
