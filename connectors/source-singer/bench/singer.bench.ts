// etl.singer.records: records/s from a fast extractor (`cat` of a Singer transcript) through
// the Singer reader and mapping, validated and normalised as the gateway's scheduled sync does,
// into the gateway's SQLite store (appends of one batch, each durable), through runSync with
// the gateway's file state store (each batch's STATE saved, fsynced, once its append is
// durable). The store is opened before the clock starts, as the gateway's is before a sync;
// closing it is timed. Its baseline, in the same run: the same lines through the same process
// pipe, only JSON.parse'd.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openFileStateStore, runExtractor, runSync } from '@patchbay/core'
import { normalizeEvent, validateEvent } from '@patchbay/protocol'
import { openSqliteStore } from '@patchbay/server'
import { defineBench } from '../../../test/bench/_harness.ts'
import { readSinger } from '../src/index.ts'

const RECORDS = 50_000
const dir = mkdtempSync(join(tmpdir(), 'pb-bench-singer-'))
const transcript = join(dir, 'tap.jsonl')
const lines = [
  JSON.stringify({
    type: 'SCHEMA',
    stream: 'contacts',
    key_properties: ['id'],
    schema: {
      type: 'object',
      properties: {
        id: { type: 'integer' },
        email: { type: 'string' },
        name: { type: 'string' },
        plan: { type: ['null', 'string'] },
        updated_at: { type: 'string', format: 'date-time' },
      },
    },
  }),
]
for (let i = 1; i <= RECORDS; i++) {
  lines.push(
    JSON.stringify({
      type: 'RECORD',
      stream: 'contacts',
      record: {
        id: i,
        email: `user${i}@example.com`,
        name: `User ${i}`,
        plan: i % 2 ? 'pro' : null,
        updated_at: '2026-11-01T10:00:00Z',
      },
    }),
  )
  if (i % 1000 === 0) lines.push(JSON.stringify({ type: 'STATE', value: { bookmarks: { contacts: i } } }))
}
writeFileSync(transcript, `${lines.join('\n')}\n`)
const cat = () => runExtractor({ command: 'cat', args: [transcript] })

/**
 * The median rate of 3 rounds. `prepare` runs before the clock starts: it readies what the
 * gateway has open before a sync starts (the store); `done` runs after it stops.
 */
async function timed<T>(
  run: (ready: T) => Promise<number>,
  prepare: () => T = () => undefined as T,
  done: (ready: T) => void = () => {},
): Promise<number> {
  const rates: number[] = []
  for (let round = 0; round < 3; round++) {
    const ready = prepare()
    try {
      const start = performance.now()
      const n = await run(ready)
      rates.push((n / (performance.now() - start)) * 1000)
    } finally {
      done(ready)
    }
  }
  return rates.sort((a, b) => a - b)[1]!
}

export default defineBench([
  {
    name: 'etl.singer.parse_baseline',
    unit: 'records/s',
    description: 'the same transcript through the same pipe, JSON.parse only (no mapping, no store)',
    measure: () =>
      timed(async () => {
        let n = 0
        for await (const line of cat()) if ((JSON.parse(line) as { type: string }).type === 'RECORD') n++
        return n
      }),
  },
  {
    name: 'etl.singer.records',
    unit: 'records/s',
    description:
      'tap output → Singer reader (schema check, mapping, messageId) → validate, normalise → gateway store, each STATE checkpointed (runSync)',
    goal: { op: '>=', value: 100_000 },
    measure: () =>
      timed(
        async ({ store, states }) => {
          try {
            const source = {
              id: 'crm',
              sync: () =>
                readSinger(cat(), {
                  streams: { contacts: { type: 'identify', userId: 'id', traits: '*' } },
                  validateRecords: true,
                  batchSize: 1000,
                  file: 'tap stdout',
                  connector: 'singer',
                }),
            }
            const report = await runSync(source, {
              state: states,
              accept: async (events) => {
                const receivedAt = new Date().toISOString()
                await store.append(
                  events.map((raw) => {
                    const checked = validateEvent(raw)
                    if (!checked.ok) throw new Error('invalid event')
                    const event = normalizeEvent(checked.event, { receivedAt })
                    return { sourceId: 'crm', messageId: event.messageId, event, json: JSON.stringify(event) }
                  }),
                )
                return true
              },
            })
            // Saves that a newer state overtook are skipped; the last state is always saved.
            const saved = (await states.load('crm')) as { bookmarks: { contacts: number } }
            if (saved.bookmarks.contacts !== RECORDS)
              throw new Error(`checkpoint at ${saved.bookmarks.contacts}`)
            return report.events
          } finally {
            // Timed: closing checkpoints the WAL that the appends wrote.
            await store.close()
          }
        },
        () => {
          const storeDir = mkdtempSync(join(dir, 'store-'))
          return {
            storeDir,
            store: openSqliteStore({ dir: storeDir }),
            states: openFileStateStore(join(storeDir, 'sync')),
          }
        },
        ({ storeDir }) => rmSync(storeDir, { recursive: true, force: true }),
      ),
  },
  {
    name: 'etl.singer.records.vs_parse',
    unit: 'ratio',
    description: 'etl.singer.records / etl.singer.parse_baseline, same run',
    measure: (ctx) => ctx.get('etl.singer.records') / ctx.get('etl.singer.parse_baseline'),
  },
])
