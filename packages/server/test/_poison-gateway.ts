/**
 * Child process of poison.test.ts: a real gateway on the data directory `argv[2]`, delivering
 * to the webhook receiver at `argv[3]`, with the poison-pill transform of
 * fixtures/poison-oom.js and small sandbox limits. Prints `ready <url>` once it listens, and
 * each gateway log record as `log <json>`. The test kills it with SIGKILL and starts it again.
 *
 * `node --no-node-snapshot --conditions=@patchbay/source _poison-gateway.ts <dataDir> <receiverUrl>`
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parsePipeline } from '@patchbay/core'
import { startGateway } from '../src/index.ts'

const [dataDir, receiverUrl] = process.argv.slice(2)
if (!dataDir || !receiverUrl) {
  process.stderr.write('usage: _poison-gateway.ts <dataDir> <receiverUrl>\n')
  process.exit(2)
}
const serverDir = fileURLToPath(new URL('..', import.meta.url))
const yaml = `
name: poison
sources:
  - id: web
    writeKey: wk_test_0123456789
transformations:
  - id: user
    code: ./test/fixtures/poison-oom.js
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${receiverUrl}/events" }
egress: { allow: ["127.0.0.1"] }
sandbox: { memoryLimitMb: 32, cpuTimeMs: 200, wallTimeMs: 1000, maxTransformAttempts: 3 }
`
const gateway = await startGateway({
  pipeline: { ...parsePipeline(yaml, { file: join(serverDir, 'pipeline.yaml') }), baseDir: serverDir },
  options: {
    port: 0,
    dataDir,
    adminToken: 'admin_token_0123456789',
    retry: { baseDelayMs: 50, maxDelayMs: 500 },
    delivery: { pollMs: 50 },
  },
  logSink: (record) => process.stdout.write(`log ${JSON.stringify(record)}\n`),
})
process.stdout.write(`ready ${gateway.url}\n`)
