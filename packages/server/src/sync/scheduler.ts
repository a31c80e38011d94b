import { join } from 'node:path'
import {
  ConfigurationError,
  type LogSink,
  openFileStateStore,
  PatchbayError,
  type PreparedSource,
  runSync,
  type SyncBatch,
  type SyncReport,
} from '@patchbay/core'
import { Cron } from 'croner'
import { acceptEvents } from '../ingest/_events.ts'
import { IngestError } from '../ingest/_http.ts'
import type { Store } from '../store/store.ts'

export interface SyncSchedulerOptions {
  /** The pipeline's sources with a `schedule:` (each must have a `sync`). */
  sources: readonly PreparedSource[]
  store: Pick<Store, 'append'>
  /** Where states are kept: `<dataDir>/sync/<source>.state.json`. */
  dataDir: string
  eventBytes: number
  log: LogSink
  /** After events were appended: wake the processor. */
  onAccepted(count: number): void
  /** Each finished run (for tests and metrics). */
  onRun?(sourceId: string, result: { report?: SyncReport; error?: unknown }): void
}

export interface SyncScheduler {
  /** Runs a source's sync now, unless one is running (then resolves when that one ends). */
  trigger(sourceId: string): Promise<void>
  /** Stops the clocks, kills running extractors, waits for their runs to end. */
  stop(): Promise<void>
}

/**
 * Runs each scheduled source's sync on its cron (croner), one run at a time per source: a
 * tick that comes while the last run is going is skipped. A run validates and normalises its
 * batches like ingest does, appends them to the store (durable once `append` resolves), and
 * only then saves the batch's state, so a crash at any point resumes from a state whose
 * records are all stored. The extractor's own `timeoutSeconds` ends a run that hangs.
 */
export function startSyncScheduler(options: SyncSchedulerOptions): SyncScheduler {
  const states = openFileStateStore(join(options.dataDir, 'sync'))
  const running = new Map<string, Promise<void>>()
  const stopping = new AbortController()
  const byId = new Map(options.sources.map((s) => [s.id, s]))

  async function runOnce(source: PreparedSource) {
    const scope = source.label
    options.log({ level: 'info', scope, message: 'sync started' })
    try {
      const report = await runSync(source, {
        state: states,
        signal: stopping.signal,
        accept: async (events, batch) => {
          let accepted: ReturnType<typeof acceptEvents>
          try {
            accepted = acceptEvents(
              { batch: events },
              {
                batch: true,
                eventBytes: options.eventBytes,
                batchEvents: Number.MAX_SAFE_INTEGER,
                receivedAt: new Date(),
              },
            )
          } catch (error) {
            throw atLine(error, batch)
          }
          await options.store.append(
            accepted.events.map((event, i) => ({
              sourceId: source.id,
              messageId: event.messageId,
              event,
              json: accepted.json[i]!,
            })),
          )
          options.onAccepted(events.length)
          return true
        },
      })
      options.log({
        level: 'info',
        scope,
        message: `sync finished: ${report.events} events stored, ${report.checkpoints} checkpoints`,
      })
      options.onRun?.(source.id, { report })
    } catch (error) {
      options.log({
        level: 'error',
        scope,
        message: `sync failed (the next run resumes from the last checkpoint): ${(error as Error).message}`,
      })
      options.onRun?.(source.id, { error })
    }
  }

  function trigger(sourceId: string): Promise<void> {
    const source = byId.get(sourceId)
    if (!source) return Promise.reject(new Error(`no scheduled source "${sourceId}"`))
    const current = running.get(sourceId)
    if (current) return current
    const run = runOnce(source).finally(() => running.delete(sourceId))
    running.set(sourceId, run)
    return run
  }

  const clocks = options.sources.map(
    (source) =>
      new Cron(source.schedule!, () => {
        if (!stopping.signal.aborted && !running.has(source.id)) void trigger(source.id)
      }),
  )

  return {
    trigger,
    async stop() {
      for (const clock of clocks) clock.stop()
      stopping.abort('the gateway is stopping')
      await Promise.allSettled(running.values())
    },
  }
}

/**
 * A refused batch's error, led by the extractor output line of the first event refused (the
 * record to look at), with the code kept: nothing of the batch was stored, and no state after it.
 */
function atLine(error: unknown, batch: SyncBatch): unknown {
  if (!(error instanceof IngestError)) return error
  const index = (error.body.rejected as Array<{ index: number }> | undefined)?.[0]?.index
  const line = index === undefined ? undefined : batch.eventLines?.[index]
  if (line === undefined) return error
  return new PatchbayError(error.code, `extractor output line ${line}: ${error.message}`, {
    line,
    cause: error,
  })
}

/** Refuses a `schedule:` that is not a cron expression, or on a source that cannot sync. */
export function scheduledSources(sources: readonly PreparedSource[]): PreparedSource[] {
  const scheduled = sources.filter((s) => s.schedule !== undefined)
  for (const s of scheduled) {
    try {
      new Cron(s.schedule!, { paused: true }).stop()
    } catch (error) {
      throw new ConfigurationError(
        `${s.label}.schedule "${s.schedule}" is not a cron expression: ${(error as Error).message}`,
        { code: 'PB_PIPELINE_INVALID', step: s.label, field: '/schedule' },
      )
    }
    if (!s.sync)
      throw new ConfigurationError(
        `${s.label} has a schedule, but its plugin (${s.plugin ?? 'none'}) does not pull: only sources with a sync (Singer, Airbyte) run on a schedule`,
        { code: 'PB_PIPELINE_INVALID', step: s.label, field: '/schedule' },
      )
  }
  return scheduled
}
