import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  compileConfig,
  createLogger,
  openFileStateStore,
  runSync,
  runtimeServices,
  type SyncBatch,
  type SyncContext,
} from '@patchbay/core'

import singer, { SingerSourceConfigSchema } from '../src/index.ts'

export const TAPS = {
  python: { command: 'python3', args: [new URL('./fixtures/taps/tap_people.py', import.meta.url).pathname] },
  node: {
    command: process.execPath,
    args: [new URL('./fixtures/taps/tap-people.mjs', import.meta.url).pathname],
  },
} as const

export const MAPPING = {
  people: { type: 'identify', userId: 'id', traits: ['email', 'plan'] },
  orders: { type: 'track', event: 'Order Completed', userId: 'person_id', properties: '*' },
} as const

/** The source as a host sees it: its config parsed, `sync` bound to its context. */
export function syncingSource(config: Record<string, unknown>, logs: string[] = []) {
  const parsed = compileConfig(SingerSourceConfigSchema).parse(config)
  const ctx = {
    ...runtimeServices,
    config: parsed,
    plugin: `${singer.name}@${singer.version}`,
    logger: createLogger({ scope: 'sources.crm', sink: (r) => logs.push(`${r.level} ${r.message}`) }),
  }
  return { id: 'crm', sync: (sync: SyncContext) => singer.sync!({ ...ctx, ...sync }) }
}

/**
 * A destination that dedupes by messageId (as a warehouse merge does) and keeps every
 * delivery, so a test sees both what arrived and what was kept.
 */
export function dedupingReceiver() {
  const kept = new Map<string, Record<string, unknown>>()
  let deliveries = 0
  return {
    kept,
    deliveries: () => deliveries,
    async accept(events: unknown[]) {
      for (const e of events as Array<Record<string, unknown>>) {
        deliveries++
        kept.set(e.messageId as string, e)
      }
      return true
    },
  }
}

export function stateDir() {
  return mkdtempSync(join(tmpdir(), 'patchbay-singer-state-'))
}

type Failure = Error & { code?: string; location?: { line?: number } }

/** Runs one sync; returns its report or its error, and the state saved after it. */
export async function syncOnce(
  tap: { command: string; args: readonly string[] },
  tapConfig: Record<string, unknown>,
  dir: string,
  receiver: ReturnType<typeof dedupingReceiver>,
  extra: Record<string, unknown> = {},
  logs: string[] = [],
) {
  const store = openFileStateStore(dir)
  const batches: SyncBatch[] = []
  const src = syncingSource(
    {
      ...tap,
      args: [...tap.args],
      tapConfig,
      streams: MAPPING,
      batchSize: 7,
      ...extra,
    },
    logs,
  )
  let error: unknown
  let report: Awaited<ReturnType<typeof runSync>> | undefined
  try {
    report = await runSync(src, {
      state: store,
      accept: async (events, batch) => {
        batches.push(batch)
        return receiver.accept(events)
      },
    })
  } catch (caught) {
    error = caught
  }
  const failure = error as Failure | undefined
  return { report, error: failure, state: await store.load('crm'), batches }
}
