import type { IncomingMessage, ServerResponse } from 'node:http'
import { consoleAssetsDir } from '@patchbay/console'
import type { Pipeline, Redactor } from '@patchbay/core'
import type { SandboxOptions } from '@patchbay/sandbox'
import { IngestError, sendRefusal } from '../ingest/_http.ts'
import type { DeadLetters, Store, StoreStats } from '../store/store.ts'
import { createLiveStreams } from './_live.ts'
import { startMetricsHistory } from './_metrics-history.ts'
import { createObserver } from './_observer.ts'
import { createPlayground } from './_playground.ts'
import { createRecentEvents } from './_recent.ts'
import { createSessions } from './_session.ts'
import { createStaticFiles } from './_static.ts'
import { observeTransform } from './_steps.ts'
import { createConsoleHandler } from './console-handler.ts'

export interface ConsoleInit {
  /** The admin token; without one the console is off (every /console route answers 404). */
  token: string | undefined
  sources: readonly string[]
  destinations: readonly string[]
  transformations: readonly string[]
  /** The pipeline's sandbox settings: the playground runs with the same limits. */
  sandbox: SandboxOptions
  redactor: Redactor
  metrics: () => Promise<string>
  stats: () => Promise<StoreStats>
  /** The store's look-up (pending, queued, retrying, dead letters), beyond the recent events. */
  find: Store['find']
  /** Where the built console is (default: the installed @patchbay/console). */
  assetsDir?: string
  /** Recent events kept for the live view and look-ups (default 2000). */
  recentEvents?: number
  /** Metrics sampling interval (default 5 s; an hour is kept). */
  metricsIntervalMs?: number
}

type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>

/**
 * The gateway's web console (issue 23): observes the store and deliveries (never blocking
 * them), keeps recent events and an hour of metrics in memory, and serves /console.
 */
export function createConsole(init: ConsoleInit) {
  const token = init.token
  if (!token) {
    const off: Route = async (_req, res) =>
      sendRefusal(
        res,
        new IngestError(
          404,
          'PB_GATEWAY_NOT_FOUND',
          'the console is off: start the gateway with an admin token (PATCHBAY_ADMIN_TOKEN) to use it',
        ),
      )
    return {
      enabled: false as const,
      observeStore: (store: Store) => store,
      observeDeliver: <P extends Pick<Pipeline, 'deliver'>>(pipeline: P): Pick<Pipeline, 'deliver'> =>
        pipeline,
      observeTransform: <P extends Pick<Pipeline, 'transform' | 'route'>>(
        pipeline: P,
      ): Pick<Pipeline, 'transform' | 'route'> => pipeline,
      handler: (_deadLetters: DeadLetters) => off,
      async close() {},
    }
  }
  const recent = createRecentEvents(init.recentEvents ?? 2000)
  const observer = createObserver(recent, init.destinations)
  const live = createLiveStreams(recent, { eventsPerSecond: 20, maxClients: 20 })
  const history = startMetricsHistory(init.metrics, {
    intervalMs: init.metricsIntervalMs ?? 5_000,
    windowMs: 60 * 60 * 1000,
  })
  const playground = createPlayground(init.sandbox)
  const sessions = createSessions(token)
  const files = createStaticFiles(init.assetsDir ?? consoleAssetsDir)

  return {
    enabled: true as const,
    observeStore: (store: Store) => observer.observeStore(store),
    observeDeliver: (pipeline: Pick<Pipeline, 'deliver'>) => observer.observeDeliver(pipeline),
    /** The pipeline's transform, reporting each step's output for the events a live view samples. */
    observeTransform: (pipeline: Pick<Pipeline, 'transform' | 'route'>) =>
      observeTransform(pipeline, recent, () => live.clients > 0, init.redactor),
    /** The /console route, operating on the gateway's dead letters (the same operations as the admin API). */
    handler: (deadLetters: DeadLetters): Route =>
      createConsoleHandler({
        sessions,
        files,
        recent,
        live,
        history: () => history.snapshot(),
        deadLetters,
        stats: init.stats,
        find: init.find,
        playground,
        redactor: init.redactor,
        overview: () => ({
          sources: [...init.sources],
          destinations: [...init.destinations],
          transformations: [...init.transformations],
          recentCapacity: recent.capacity,
          liveEventsPerSecond: 20,
          missedByConsole: observer.dropped,
        }),
      }),
    async close(): Promise<void> {
      history.stop()
      await playground.close()
    },
  }
}

export type Console = ReturnType<typeof createConsole>
