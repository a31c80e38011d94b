import type { JobState, StoreStats } from '../store/store.ts'
import { createMetricsRegistry, PROMETHEUS_CONTENT_TYPE } from './registry.ts'

/** Why the gateway turned events away, as the `reason` label of `patchbay_events_rejected_total`. */
export type RejectReason = 'invalid' | 'too_large' | 'unauthorized' | 'backpressure' | 'storage_full'

/** How a delivery attempt ended, as the `status` label of `patchbay_deliveries_total`. */
export type DeliveryStatus = 'delivered' | 'retried' | 'aborted' | 'dropped'

/**
 * Buckets of `patchbay_delivery_latency_seconds`: 5 ms to a minute for live traffic, then
 * an hour and a day for deliveries that waited out retries.
 */
export const DELIVERY_LATENCY_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 3600, 86400,
]

const JOB_STATES: readonly JobState[] = ['waiting', 'in_flight', 'retrying']
const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['delivered', 'retried', 'aborted', 'dropped']

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
  /** Accepted events the transformations failed or dropped (they get no delivery job). */
  stopped(source: string, status: 'failed' | 'dropped', step: string, count?: number): void
  /**
   * An HTTP request to an ingestion endpoint, e.g. `('/v1/batch', 200)`; `aborted` when the
   * client went away before its body was complete (nothing stored, nothing answered).
   */
  ingestRequest(endpoint: string, status: number | 'aborted'): void
  /** An unexpected error (a bug, a broken disk): `where` is request, admin, delivery or uncaught. */
  internalError(where: 'request' | 'admin' | 'delivery' | 'uncaught'): void
  /** Every metric in the Prometheus text format; the queue gauges read `statsSource` once, now. */
  render(): string
  /** The Content-Type to serve `render()` with. */
  readonly contentType: string
}

/**
 * The gateway's Prometheus metrics:
 * `patchbay_events_accepted_total{source}`, `patchbay_events_rejected_total{source,reason}`,
 * `patchbay_deliveries_total{destination,status}`, `patchbay_queue_jobs{destination,state}`,
 * `patchbay_queue_pending_events`, `patchbay_dead_letters{destination}`,
 * `patchbay_delivery_latency_seconds{destination}`, `patchbay_ingest_requests_total{endpoint,status}`,
 * `patchbay_storage_full` and `patchbay_internal_errors_total{where}`.
 *
 * The queue gauges come from `statsSource` (the store's `stats()`, cheap) at each render.
 * Destinations named in `destinations`, and any the stats ever showed, always have their
 * queue series (at 0 when idle), so a queue that empties reads 0 instead of vanishing; the
 * named ones also start with their `patchbay_deliveries_total` series at 0.
 *
 * @example
 * const metrics = createGatewayMetrics(() => store.stats(), { destinations: ['crm', 'ads'] })
 * metrics.accepted('web', events.length)
 * metrics.delivered('crm', (Date.now() - acceptedAt) / 1000)
 * // GET /metrics
 * reply.header('content-type', metrics.contentType).send(metrics.render())
 */
export function createGatewayMetrics(
  statsSource: () => StoreStats,
  options: {
    destinations?: readonly string[]
    /** 1 while the data directory's disk is full, for `patchbay_storage_full`. */
    storageFull?: () => boolean
  } = {},
): GatewayMetrics {
  const registry = createMetricsRegistry()
  const known = new Set(options.destinations)
  let scrape: StoreStats | undefined
  /** One stats snapshot per render, shared by the three queue gauges. */
  const stats = () => {
    if (scrape) return scrape
    scrape = statsSource()
    for (const destination of [...Object.keys(scrape.jobs), ...Object.keys(scrape.deadLetters)])
      known.add(destination)
    return scrape
  }

  const accepted = registry.counter({
    name: 'patchbay_events_accepted_total',
    help: 'Events accepted and stored durably, per source.',
    labels: ['source'],
  })
  const rejected = registry.counter({
    name: 'patchbay_events_rejected_total',
    help: 'Events turned away, per source and reason (invalid, too_large, unauthorized, backpressure).',
    labels: ['source', 'reason'],
  })
  const deliveries = registry.counter({
    name: 'patchbay_deliveries_total',
    help: 'Delivery outcomes per destination: delivered, retried (an attempt failed and will be retried), aborted (became a dead letter), dropped (not sent).',
    labels: ['destination', 'status'],
  })
  registry.gauge({
    name: 'patchbay_queue_jobs',
    help: 'Delivery jobs queued, per destination and state (waiting, in_flight, retrying).',
    labels: ['destination', 'state'],
    collect(set) {
      const { jobs } = stats()
      for (const destination of known)
        for (const state of JOB_STATES) set({ destination, state }, jobs[destination]?.[state] ?? 0)
    },
  })
  registry.gauge({
    name: 'patchbay_queue_pending_events',
    help: 'Events accepted but not yet processed into delivery jobs.',
    collect: (set) => set({}, stats().pendingEvents),
  })
  registry.gauge({
    name: 'patchbay_dead_letters',
    help: 'Dead letters kept, per destination: jobs given up on, until replayed or purged.',
    labels: ['destination'],
    collect(set) {
      const { deadLetters } = stats()
      for (const destination of known) set({ destination }, deadLetters[destination] ?? 0)
    },
  })
  const latency = registry.histogram({
    name: 'patchbay_delivery_latency_seconds',
    help: 'Seconds from accepting an event to delivering it, per destination.',
    labels: ['destination'],
    buckets: DELIVERY_LATENCY_BUCKETS,
  })
  const ingest = registry.counter({
    name: 'patchbay_ingest_requests_total',
    help: 'HTTP requests to the ingestion endpoints, per endpoint and status code.',
    labels: ['endpoint', 'status'],
  })

  const stopped = registry.counter({
    name: 'patchbay_events_stopped_total',
    help: 'Accepted events that reached no destination: failed (an error at a step: see the log) or dropped (a filter or transformation returned nothing), per source and step.',
    labels: ['source', 'status', 'step'],
  })

  registry.gauge({
    name: 'patchbay_storage_full',
    help: 'Whether the disk of the data directory is full (1): ingestion answers 503 until space returns; delivery goes on.',
    collect: (set) => set({}, options.storageFull?.() ? 1 : 0),
  })
  const internal = registry.counter({
    name: 'patchbay_internal_errors_total',
    help: 'Unexpected errors (bugs, a broken disk), per where they happened: request, admin, delivery, uncaught. Each is logged.',
    labels: ['where'],
  })
  for (const where of ['request', 'admin', 'delivery', 'uncaught']) internal.inc({ where }, 0)

  for (const destination of known)
    for (const status of DELIVERY_STATUSES) deliveries.inc({ destination, status }, 0)

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
    ingestRequest: (endpoint, status) => ingest.inc({ endpoint, status: String(status) }),
    internalError: (where) => internal.inc({ where }),
    render() {
      try {
        return registry.render()
      } finally {
        scrape = undefined
      }
    },
    contentType: PROMETHEUS_CONTENT_TYPE,
  }
}
