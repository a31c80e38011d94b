/**
 * Child process of poison.test.ts: a real gateway on the data directory `argv[2]`, delivering
 * to the webhook receiver at `argv[3]`, with the user transform `argv[4]` from fixtures/
 * (default poison-oom.js, a poison pill), small sandbox limits, and fetch allowed to the
 * host and port `argv[5]` if given. Prints `ready <url>` once it listens, and
 * each gateway log record as `log <json>`. The test kills it with SIGKILL and starts it again.
 *
 * `node --no-node-snapshot --conditions=@patchbay/source _poison-gateway.ts <dataDir> <receiverUrl> [fixture] [fetchHost:port]`
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parsePipeline } from '@patchbay/core'
import { startGateway } from '../src/index.ts'

const [dataDir, receiverUrl, fixture = 'poison-oom.js', fetchHost] = process.argv.slice(2)
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
    code: ./test/fixtures/${fixture}
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${receiverUrl}/events" }
egress: { allow: ["127.0.0.1"] }
sandbox:
  memoryLimitMb: 32
  cpuTimeMs: 200
  wallTimeMs: ${fetchHost ? 5000 : 1000}
${fetchHost ? `  fetch: { allow: ["${fetchHost}"], maxConcurrent: 4, maxRequests: 50 }` : ''}
gateway:
  maxTransformAttempts: 3
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
