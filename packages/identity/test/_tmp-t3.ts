import pg from 'pg'
import { openIdentityGraph, openPostgresIdentityStore } from '../src/index.ts'

const url = 'postgres://postgres@127.0.0.1:5432/postgres'
const schema = 'pb_identity_t3'
const g = await openIdentityGraph({ store: await openPostgresIdentityStore({ url, schema }) })
const ev = (i: number, m: number) => ({
  type: 'identify',
  messageId: `m${i}-${m}`,
  timestamp: new Date(Date.UTC(2026, 10, 1, 0, m)).toISOString(),
  userId: `u${i}`,
  anonymousId: `a${i}`,
})
await g.stitch(Array.from({ length: 100 }, (_, i) => ev(i, 0)))
for (let r = 0; r < 10; r++) {
  const t = performance.now()
  await g.stitch(Array.from({ length: 100 }, (_, i) => ev(i, 5)))
  console.log((performance.now() - t).toFixed(1))
}
await g.close()
const c = new pg.Client(url)
await c.connect()
await c.query(`DROP SCHEMA ${schema} CASCADE`)
await c.end()
