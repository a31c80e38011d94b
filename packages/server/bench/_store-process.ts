// The baseline of gateway.ingest.batch100: a bare node:sqlite insert of the rows the gateway
// stores for the same events, with its commit policy: WAL, synchronous=FULL around each
// append transaction (one fsync), a group of CLIENTS calls of BATCH events per transaction,
// each call in its own savepoint. The rows (normalised event JSON) are made before timing;
// what is timed is only the store. argv = data dir. Prints `ready`, then for each `run <ms>`
// line on stdin it commits groups for that long and prints `rate <events/s>`.
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { DatabaseSync } from 'node:sqlite'
import { normalizeEvent, type PatchbayEvent } from '@patchbay/protocol'
import { BATCH, bodies, CLIENTS } from './_bodies.ts'

const [dir] = process.argv.slice(2) as [string]
const db = new DatabaseSync(join(dir, 'baseline.db'))
db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL')
// The gateway's events table, as its first two migrations make it.
db.exec(`CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  event TEXT NOT NULL,
  stored_at INTEGER NOT NULL,
  transform_attempts INTEGER NOT NULL DEFAULT 0
) STRICT`)

const receivedAt = '2026-01-15T10:00:01.500Z'
const calls = bodies.map((body) =>
  (JSON.parse(body) as { batch: PatchbayEvent[] }).batch.map((e) => {
    const normalized = normalizeEvent(e, { receivedAt, requestIp: '127.0.0.1' })
    return { messageId: normalized.messageId, event: JSON.stringify(normalized) }
  }),
)
const insert = db.prepare(
  'INSERT INTO events (source_id, message_id, event, stored_at) VALUES ($sourceId, $messageId, $event, $storedAt)',
)
const savepoint = db.prepare('SAVEPOINT call')
const release = db.prepare('RELEASE call')

let n = 0
function groupCommit(): void {
  db.exec('PRAGMA synchronous = FULL')
  db.exec('BEGIN')
  const storedAt = Date.now()
  for (let c = 0; c < CLIENTS; c++) {
    savepoint.run()
    for (const row of calls[n++ % calls.length]!)
      insert.run({ $sourceId: 'web', $messageId: row.messageId, $event: row.event, $storedAt: storedAt })
    release.run()
  }
  db.exec('COMMIT')
  db.exec('PRAGMA synchronous = NORMAL')
}

process.stdout.write('ready\n')
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.startsWith('run ')) continue
  let stored = 0
  const start = performance.now()
  while (performance.now() - start < Number(line.slice(4))) {
    groupCommit()
    stored += CLIENTS * BATCH
  }
  process.stdout.write(`rate ${(stored / (performance.now() - start)) * 1000}\n`)
}
db.close()
