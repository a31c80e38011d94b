/**
 * Child process of postgres.test.ts: a gateway node that claims every job of `crm` with a
 * short lease, says so on stdout, and then hangs until the test kills it with SIGKILL.
 */
import { openPostgresStore } from '../../src/store/index.ts'

const store = await openPostgresStore({ url: process.argv[2]!, leaseMs: Number(process.argv[3]) })
const jobs = await store.claim('crm', { limit: 100, now: Date.now(), ordered: true })
process.stdout.write(`${JSON.stringify(jobs.map((j) => j.messageId))}\n`)
setInterval(() => {}, 60_000)
