import type { ConsentIssue } from '@patchbay/core'
import type { PlanCount } from '@patchbay/tracking-plan'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { JobState, StoreStats } from '../store/store.ts'
import { createPlanMetrics } from './plan-metrics.ts'

/** Why the gateway turned events away, as the `reason` label of `patchbay_events_rejected_total`. */
export type RejectReason =
  | 'invalid'
  | 'too_large'
  | 'unauthorized'
  | 'backpressure'
  | 'storage_full'
  | 'store_unavailable'

/** How a delivery attempt ended, as the `status` label of `patchbay_deliveries_total`. */
export type DeliveryStatus = 'delivered' | 'retried' | 'aborted' | 'dropped'

/** Where an unexpected error happened, as the `where` label of `patchbay_internal_errors_total`. */
export type InternalErrorSite = 'request' | 'admin' | 'delivery' | 'uncaught'

/**
 * Buckets of `patchbay_delivery_latency_seconds`: 5 ms to a minute for live traffic, then
 * an hour and a day for deliveries that waited out retries.
 */
export const DELIVERY_LATENCY_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 3600, 86400,
]

const JOB_STATES: readonly JobState[] = ['waiting', 'in_flight', 'retrying']
const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['delivered', 'retried', 'aborted', 'dropped']
const INTERNAL_ERROR_SITES: readonly InternalErrorSite[] = ['request', 'admin', 'delivery', 'uncaught']

/** The gateway's metrics, one typed call per thing that happens. */
export interface GatewayMetrics {
  /** Events accepted (stored durably) from a source. */
  accepted(source: string, count?: number): void
  /** Events turned away; `count` events of one request count as `count`. */
  rejected(source: string, reason: RejectReason, count?: number): void
  /** A job was delivered, `latencySeconds` after its event was accepted. */
  delivered(destination: string, latencySeconds: number): void
  /** Attempts that failed and will be retried. */
  retried(destination: string, count?: number): void
  /** Jobs given up on: they became dead letters. */
  aborted(destination: string, count?: number): void
  /** Jobs the destination declined without sending anything (e.g. an unsupported event type). */
  dropped(destination: string, count?: number): void
  /**
   * An event the route stage kept from a destination for want of consent: `not_consented`
   * (its consent does not meet the destination's requirement) or `missing` (no consent
   * information, and its source's `whenMissing` is `deny`). Also counted as `dropped`.
   */
  consentDropped(source: string, destination: string, because: 'not_consented' | 'missing'): void
  /** An event whose consent fields were malformed in these ways (each ignored; see `ConsentIssue`). */
  consentIssues(source: string, issues: readonly ConsentIssue[]): void
  /**
   * Events of suppressed users (a regulation), dropped: at ingest (answered 200, never
   * stored), in the processor (accepted before the regulation) or by a delivery worker (a
   * job queued before it), per source (`-` in delivery) and where.
   */
  suppressed(source: string, where: 'ingest' | 'processor' | 'delivery', count?: number): void
  /** Accepted events the transformations failed or dropped (they get no delivery job). */
  stopped(source: string, status: 'failed' | 'dropped', step: string, count?: number): void
  /**
   * An HTTP request to an ingestion endpoint, e.g. `('/v1/batch', 200)`; `aborted` when the
   * client went away before its body was complete (nothing stored, nothing answered).
   */
  ingestRequest(endpoint: string, status: number | 'aborted'): void
  /** An unexpected error (a bug, a broken disk). */
  internalError(where: InternalErrorSite): void
  /** What the tracking plans checked in one batch (see plan-metrics.ts). */
  plan(counts: readonly PlanCount[]): void
  /**
   * Every metric in the Prometheus text format 0.0.4; the queue gauges read `statsSource`
   * once, now. (prom-client renders asynchronously.)
   */
  render(): Promise<string>
  /** The Content-Type to serve `render()` with. */
  readonly contentType: string
}

/**
 * The gateway's Prometheus metrics, on prom-client, in a registry of their own (never
 * prom-client's global one, so several gateways in one process keep their counts apart):
 * `patchbay_events_accepted_total{source}`, `patchbay_events_rejected_total{source,reason}`,
 * `patchbay_deliveries_total{destination,status}`, `patchbay_queue_jobs{destination,state}`,
 * `patchbay_queue_pending_events`, `patchbay_dead_letters{destination}`,
 * `patchbay_delivery_latency_seconds{destination}`, `patchbay_ingest_requests_total{endpoint,status}`,
 * `patchbay_events_stopped_total{source,status,step}`,
 * `patchbay_consent_dropped_total{source,destination,because}`,
 * `patchbay_consent_malformed_total{source,reason}`, `patchbay_storage_full` and
 * `patchbay_internal_errors_total{where}`.
 *
 * Label values come only from the pipeline file (source, destination and step ids) and from
 * closed sets (reasons, statuses, states, the ingestion endpoints), never from a request, so
 * the number of series is bounded and no event data, header or secret becomes a label.
 *
 * The queue gauges are set from `statsSource` (the store's `stats()`, cheap) at each render.
 * Destinations named in `destinations`, and any the stats ever showed, always have their
 * queue series (at 0 when idle), so a queue that empties reads 0 instead of vanishing; the
 * named ones also start with their `patchbay_deliveries_total` series at 0.
 *
 * @example
 * const metrics = createGatewayMetrics(() => store.stats(), { destinations: ['crm', 'ads'] })
 * metrics.accepted('web', events.length)
 * metrics.delivered('crm', (Date.now() - acceptedAt) / 1000)
 * // GET /metrics
 * reply.header('content-type', metrics.contentType).send(await metrics.render())
 */
export function createGatewayMetrics(
  statsSource: () => Promise<StoreStats>,
  options: {
    destinations?: readonly string[]
    /** 1 while the data directory's disk is full, for `patchbay_storage_full`. */
    storageFull?: () => boolean
  } = {},
): GatewayMetrics {
  const registers = [new Registry()]
  const known = new Set(options.destinations)

  const accepted = new Counter({
    name: 'patchbay_events_accepted_total',
    help: 'Events accepted and stored durably, per source.',
    labelNames: ['source'] as const,
    registers,
  })
  const rejected = new Counter({
    name: 'patchbay_events_rejected_total',
    help: 'Events turned away, per source and reason (invalid, too_large, unauthorized, backpressure, storage_full).',
    labelNames: ['source', 'reason'] as const,
    registers,
  })
  const deliveries = new Counter({
    name: 'patchbay_deliveries_total',
    help: 'Delivery outcomes per destination: delivered, retried (an attempt failed and will be retried), aborted (became a dead letter), dropped (not sent).',
    labelNames: ['destination', 'status'] as const,
    registers,
  })
  const queueJobs = new Gauge({
    name: 'patchbay_queue_jobs',
    help: 'Delivery jobs queued, per destination and state (waiting, in_flight, retrying).',
    labelNames: ['destination', 'state'] as const,
    registers,
  })
  const pendingEvents = new Gauge({
    name: 'patchbay_queue_pending_events',
    help: 'Events accepted but not yet processed into delivery jobs.',
    registers,
  })
  const deadLetters = new Gauge({
    name: 'patchbay_dead_letters',
    help: 'Dead letters kept, per destination: jobs given up on, until replayed or purged.',
    labelNames: ['destination'] as const,
    registers,
  })
  const latency = new Histogram({
    name: 'patchbay_delivery_latency_seconds',
    help: 'Seconds from accepting an event to delivering it, per destination.',
    labelNames: ['destination'] as const,
    buckets: [...DELIVERY_LATENCY_BUCKETS],
    registers,
  })
  const ingest = new Counter({
    name: 'patchbay_ingest_requests_total',
    help: 'HTTP requests to the ingestion endpoints, per endpoint and status code.',
    labelNames: ['endpoint', 'status'] as const,
    registers,
  })
  const stopped = new Counter({
    name: 'patchbay_events_stopped_total',
    help: 'Accepted events that reached no destination: failed (an error at a step: see the log) or dropped (a filter or transformation returned nothing), per source and step.',
    labelNames: ['source', 'status', 'step'] as const,
    registers,
  })
  const suppressed = new Counter({
    name: 'patchbay_events_suppressed_total',
    help: 'Events of users under a regulation, dropped at ingest (answered 200, not stored), in the processor or at delivery, per source and where.',
    labelNames: ['source', 'where'] as const,
    registers,
  })
  const consentDropped = new Counter({
    name: 'patchbay_consent_dropped_total',
    help: 'Events the route stage kept from a destination for want of consent, per source, destination and because (not_consented, missing: no consent information and the source says deny). Also in patchbay_deliveries_total{status="dropped"}.',
    labelNames: ['source', 'destination', 'because'] as const,
    registers,
  })
  const consentMalformed = new Counter({
    name: 'patchbay_consent_malformed_total',
    help: 'Events whose consent fields were partly or wholly malformed and ignored, per source and reason (see docs/privacy.md).',
    labelNames: ['source', 'reason'] as const,
    registers,
  })
  const storageFull = new Gauge({
    name: 'patchbay_storage_full',
    help: 'Whether the disk of the data directory is full (1): ingestion answers 503 until space returns; delivery goes on.',
    registers,
  })
  const internal = new Counter({
    name: 'patchbay_internal_errors_total',
    help: 'Unexpected errors (bugs, a broken disk), per where they happened: request, admin, delivery, uncaught. Each is logged.',
    labelNames: ['where'] as const,
    registers,
  })

  const plan = createPlanMetrics(registers)

  for (const where of INTERNAL_ERROR_SITES) internal.inc({ where }, 0)
  for (const destination of known)
    for (const status of DELIVERY_STATUSES) deliveries.inc({ destination, status }, 0)

  /**
   * Sets the scrape-time gauges from one stats snapshot. Done before prom-client renders
   * rather than in `collect` callbacks, so the three queue gauges share one read and two
   * scrapes at once cannot see half of each other's snapshot.
   */
  let rendering: Promise<unknown> = Promise.resolve()

  async function setGauges(): Promise<void> {
    const stats = await statsSource()
    for (const destination of [...Object.keys(stats.jobs), ...Object.keys(stats.deadLetters)])
      known.add(destination)
    queueJobs.reset()
    deadLetters.reset()
    for (const destination of known) {
      for (const state of JOB_STATES)
        queueJobs.set({ destination, state }, stats.jobs[destination]?.[state] ?? 0)
      deadLetters.set({ destination }, stats.deadLetters[destination] ?? 0)
    }
    pendingEvents.set(stats.pendingEvents)
    storageFull.set(options.storageFull?.() ? 1 : 0)
  }

  return {
    accepted: (source, count = 1) => accepted.inc({ source }, count),
    rejected: (source, reason, count = 1) => rejected.inc({ source, reason }, count),
    delivered(destination, latencySeconds) {
      deliveries.inc({ destination, status: 'delivered' })
      latency.observe({ destination }, latencySeconds)
    },
    retried: (destination, count = 1) => deliveries.inc({ destination, status: 'retried' }, count),
    aborted: (destination, count = 1) => deliveries.inc({ destination, status: 'aborted' }, count),
    dropped: (destination, count = 1) => deliveries.inc({ destination, status: 'dropped' }, count),
    stopped: (source, status, step, count = 1) => stopped.inc({ source, status, step }, count),
    suppressed: (source, where, count = 1) => suppressed.inc({ source, where }, count),
    consentDropped: (source, destination, because) => consentDropped.inc({ source, destination, because }),
    consentIssues(source, issues) {
      for (const reason of issues) consentMalformed.inc({ source, reason })
    },
    ingestRequest: (endpoint, status) => ingest.inc({ endpoint, status: String(status) }),
    internalError: (where) => internal.inc({ where }),
    plan,
    render() {
      // One render at a time: the stats read is asynchronous, and two renders interleaving
      // would each print the other's gauges. A store that cannot be reached leaves the queue
      // gauges as they were; the rest still renders.
      const next = rendering.then(async () => {
        await setGauges().catch(() => storageFull.set(options.storageFull?.() ? 1 : 0))
        return registers[0]!.metrics()
      })
      rendering = next.catch(() => {})
      return next
    },
    contentType: registers[0]!.contentType,
  }
}
