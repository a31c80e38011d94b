import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  compileConfig,
  createLogger,
  openFileStateStore,
  runSync,
  runtimeServices,
  type SyncContext,
} from '@patchbay/core'
import { describe, expect, it } from 'vitest'

import airbyte, { AirbyteSourceConfigSchema } from '../src/index.ts'

const fixture = (name: string) => new URL(`./fixtures/sources/${name}`, import.meta.url).pathname
const SOURCES = {
  python: { command: 'python3', args: [fixture('source_users.py')] },
  node: { command: process.execPath, args: [fixture('source-users.mjs')] },
} as const
const STREAMS = {
  users: { type: 'identify', userId: 'id', traits: '*' },
  logins: { type: 'track', event: 'Logged In', userId: 'user_id', properties: ['login_id'] },
} as const

type Failure = Error & { code?: string; location?: { line?: number } }

async function syncOnce(
  src: { command: string; args: readonly string[] },
  sourceConfig: Record<string, unknown>,
  dir: string,
  kept: Map<string, Record<string, unknown>>,
  extra: Record<string, unknown> = {},
) {
  const logs: string[] = []
  const config = compileConfig(AirbyteSourceConfigSchema).parse({
    ...src,
    args: [...src.args],
    sourceConfig,
    catalog: fixture('configured_catalog.json'),
    streams: STREAMS,
    batchSize: 5,
    ...extra,
  })
  const ctx = {
    ...runtimeServices,
    config,
    plugin: airbyte.name,
    logger: createLogger({ scope: 'sources.crm', sink: (r) => logs.push(`${r.level} ${r.message}`) }),
  }
  const store = openFileStateStore(dir)
  let error: Failure | undefined
  try {
    await runSync(
      { id: 'crm', sync: (c: SyncContext) => airbyte.sync!({ ...ctx, ...c }) },
      {
        state: store,
        accept: async (events) => {
          for (const e of events as Array<Record<string, unknown>>) kept.set(e.messageId as string, e)
          return true
        },
      },
    )
  } catch (caught) {
    error = caught as Failure
  }
  return { error, state: (await store.load('crm')) as Record<string, unknown> | undefined, logs }
}

const users = (kept: Map<string, Record<string, unknown>>) =>
  [...kept.values()]
    .filter((e) => e.type === 'identify')
    .map((e) => Number(e.userId))
    .sort((a, b) => a - b)
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1)
const dir = () => mkdtempSync(join(tmpdir(), 'patchbay-airbyte-state-'))

describe.each(Object.entries(SOURCES))('a %s Airbyte source', (_language, src) => {
  it('per-stream states: a full sync keeps each stream state; LOG goes to the log', async () => {
    const kept = new Map<string, Record<string, unknown>>()
    const { error, state, logs } = await syncOnce(src, { count: 12 }, dir(), kept)
    expect(error).toBeUndefined()
    expect(state).toEqual({
      streams: {
        users: { stream_descriptor: { name: 'users' }, stream_state: { cursor: 12 } },
        logins: { stream_descriptor: { name: 'logins' }, stream_state: { cursor: 12 } },
      },
    })
    expect(users(kept)).toEqual(range(12))
    expect([...kept.values()].find((e) => e.type === 'track')).toMatchObject({
      type: 'track',
      event: 'Logged In',
      userId: '2',
      properties: { login_id: 'l-2' },
      messageId: expect.stringMatching(/^logins:l-2:[0-9a-f]{16}$/),
    })
    expect(logs).toContain(`info ${src.command} stdout:1: reading users after 0`)
  })

  it.each(['stream', 'global', 'legacy'])(
    '%s state: killed mid-sync, resumed, every record exactly once',
    async (mode) => {
      const d = dir()
      const kept = new Map<string, Record<string, unknown>>()
      let deliveries = 0
      const counting = new Proxy(kept, {
        get(target, key) {
          if (key === 'set')
            return (k: string, v: Record<string, unknown>) => {
              deliveries++
              return target.set(k, v)
            }
          const value = Reflect.get(target, key)
          return typeof value === 'function' ? value.bind(target) : value
        },
      })
      const first = await syncOnce(src, { count: 40, state_mode: mode, crash_at: 27 }, d, counting)
      expect(first.error?.code).toBe('PB_EXTRACT_FAILED')
      const saved = JSON.stringify(first.state)
      expect(saved).toContain(mode === 'legacy' ? '"users_cursor":20' : '"cursor":20')
      const second = await syncOnce(src, { count: 40, state_mode: mode }, d, counting)
      expect(second.error).toBeUndefined()
      expect(users(kept)).toEqual(range(40))
      expect(kept.size).toBe(40 + 20)
      // Only records 21..26 (and their logins) were sent twice.
      expect(deliveries - kept.size).toBeLessThanOrEqual(6 + 3)
    },
  )

  it('garbage output: refused with its line, nothing checkpointed past it', async () => {
    const { error, state } = await syncOnce(src, { count: 30, garbage_at: 13 }, dir(), new Map())
    expect(error?.code).toBe('PB_AIRBYTE_MESSAGE_INVALID')
    // LOG, 12 users, 6 logins, 2 STATEs: the bad line is the 22nd.
    expect(error?.message).toBe(`${src.command} stdout:22: an Airbyte message is a JSON object`)
    expect(JSON.stringify(state)).toContain('"cursor":10')
  })

  it('a record against its json_schema: refused with line and field', async () => {
    const { error } = await syncOnce(src, { count: 30, violate_at: 3 }, dir(), new Map())
    expect(error?.code).toBe('PB_AIRBYTE_SCHEMA_VIOLATION')
    expect(error?.message).toBe(
      `${src.command} stdout:5: the RECORD of stream "users" does not match its json_schema: /id must be integer`,
    )
  })

  it('a TRACE error ends the sync with its message, after checkpointing what came before', async () => {
    const { error, state, logs } = await syncOnce(src, { count: 30, trace_at: 15 }, dir(), new Map())
    expect(error?.code).toBe('PB_AIRBYTE_TRACE_ERROR')
    expect(error?.message).toMatch(
      /stdout:\d+: the source reported an error: the CRM API refused the token \(config_error\)/,
    )
    expect(logs.some((l) => l.startsWith('error') && l.includes('401 Unauthorized'))).toBe(true)
    expect(JSON.stringify(state)).toContain('"cursor":10')
  })

  it('a source that hangs is killed at the idle timeout', async () => {
    const { error } = await syncOnce(src, { count: 30, hang_at: 4 }, dir(), new Map(), {
      idleTimeoutSeconds: 2,
    })
    expect(error?.code).toBe('PB_EXTRACT_TIMEOUT')
  })
})

it('refuses a catalog stream without a mapping before the source runs', async () => {
  const { error } = await syncOnce({ command: '/nonexistent', args: [] }, { count: 1 }, dir(), new Map(), {
    streams: { users: STREAMS.users },
  })
  expect(error?.code).toBe('PB_STREAM_UNMAPPED')
  expect(error?.message).toMatch(
    /^stream "logins" has no mapping in `streams:` \(from .*configured_catalog.json\)$/,
  )
})
