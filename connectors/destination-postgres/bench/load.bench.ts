import { Readable } from 'node:stream'
import { pipeline as streamPipeline } from 'node:stream/promises'
import { createPipeline, PluginRegistry, parsePipeline } from '@patchbay/core'
import { postgresDialect as dialect, planLoad } from '@patchbay/warehouse'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { alternatingPairs, defineBench } from '../../../test/bench/_harness.ts'
import { benchEvents } from '../../../test/bench/_warehouse-events.ts'
import { csvRows } from '../src/_csv.ts'
import postgres from '../src/index.ts'

// The machine's PostgreSQL (trust auth); the bench makes its own database and drops it.
const ADMIN = process.env.PATCHBAY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test'
const N = 20_000
const CLAIM = 1_000

const url = (db: string) => {
  const u = new URL(ADMIN)
  u.pathname = `/${db}`
  return u.toString()
}

async function withDatabase<T>(name: string, run: (connectionString: string) => Promise<T>): Promise<T> {
  const db = `pb_bench_${name}_${process.pid}`
  const admin = new pg.Client({ connectionString: ADMIN })
  await admin.connect()
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
    await admin.query(`CREATE DATABASE ${db}`)
    return await run(url(db))
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined)
    await admin.end()
  }
}

const rowsOf = (events: unknown[]) =>
  planLoad(events as never, new Map(), dialect).tables.reduce((n, t) => n + t.rows.length, 0)

/** The bare COPY of the same rows: the baseline. */
async function copyRate(): Promise<number> {
  return withDatabase('copy', async (connectionString) => {
    const client = new pg.Client({ connectionString })
    await client.connect()
    try {
      const events = benchEvents(N, 'copy')
      const plans = []
      for (let i = 0; i < N; i += CLAIM)
        plans.push(planLoad(events.slice(i, i + CLAIM) as never, new Map(), dialect))
      for (const t of plans[0]!.tables) {
        const columns = t.columns.map(([c, type]) => `${dialect.quote(c)} ${dialect.sqlType(type)}`)
        await client.query(`CREATE TABLE ${dialect.quote(t.table)} (${columns.join(', ')})`)
      }
      const start = performance.now()
      for (const plan of plans) {
        await client.query('BEGIN')
        for (const t of plan.tables) {
          const names = t.columns.map(([c]) => dialect.quote(c)).join(', ')
          await streamPipeline(
            Readable.from([csvRows(t.rows, t.columns)]),
            client.query(copyFrom(`COPY ${dialect.quote(t.table)} (${names}) FROM STDIN WITH (FORMAT csv)`)),
          )
        }
        await client.query('COMMIT')
      }
      return rowsOf(events) / ((performance.now() - start) / 1000)
    } finally {
      await client.end()
    }
  })
}

/** The destination's load through pipeline.deliver. */
async function loadRate(): Promise<number> {
  return withDatabase('load', async (connectionString) => {
    const pipeline = await createPipeline(
      parsePipeline(
        `destinations:\n  - { id: wh, use: "@patchbay/destination-postgres", config: { connectionString: "${connectionString}" } }\n`,
        { file: '/virtual/pipeline.yaml', env: {} },
      ),
      { registry: new PluginRegistry({ cwd: process.cwd() }).add(postgres), singleAttempt: true },
    )
    try {
      const events = benchEvents(N, 'load')
      // The stored texts' lengths, which the gateway's store returns with each claimed job.
      const sizes = events.map((e) => JSON.stringify(e).length)
      await pipeline.deliver('wh', benchEvents(10, 'warm') as never)
      const start = performance.now()
      for (let i = 0; i < N; i += CLAIM) {
        const outcomes = await pipeline.deliver('wh', events.slice(i, i + CLAIM) as never, {
          sizes: sizes.slice(i, i + CLAIM),
        })
        if (outcomes.some((o) => o.status !== 'delivered')) throw new Error(JSON.stringify(outcomes[0]))
      }
      return rowsOf(events) / ((performance.now() - start) / 1000)
    } finally {
      await pipeline.close()
    }
  })
}

/**
 * ROUNDS pairs, a baseline round then a load round, each in a fresh database: the figures
 * are the medians of each side and of the pairs' ratios. One round of each moved the ratio
 * from 0.46 to 0.71 between runs a minute apart on a quiet machine (the database's own
 * background work lands in one round or the other).
 */
const ROUNDS = 5
let measured: ReturnType<typeof alternatingPairs> | undefined
const alternated = () => (measured ??= alternatingPairs(ROUNDS, copyRate, loadRate))

export default defineBench([
  {
    name: 'warehouse.postgres.copy',
    unit: 'rows/s',
    description: `baseline: the same rows (already mapped) COPY'd into plain typed tables (no key, no staging, no merge), one transaction per ${CLAIM} events; ${N} events, median of ${ROUNDS} rounds`,
    measure: async () => (await alternated()).baseline,
  },
  {
    name: 'warehouse.postgres.load',
    unit: 'rows/s',
    description: `pipeline.deliver (the gateway worker's call, single attempts, with the stored texts' sizes) in claims of ${CLAIM}: mapping, schema, COPY into staging, idempotent merge, one transaction per claim; ${N} events, median of ${ROUNDS} rounds`,
    goal: { op: '>=', value: 20_000 },
    measure: async () => (await alternated()).subject,
  },
  {
    name: 'warehouse.postgres.load.ratio',
    unit: 'ratio',
    description: `warehouse.postgres.load / warehouse.postgres.copy: the median of ${ROUNDS} alternating pairs`,
    goal: { op: '>=', value: 0.5 },
    measure: async () => (await alternated()).ratio,
  },
])
