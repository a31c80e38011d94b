/**
 * Child process of crash.test.ts: a real gateway on the data directory `argv[2]`, delivering
 * to the webhook receiver at `argv[3]`, listening on 127.0.0.1 at port `argv[4]` (default 0,
 * a free one). Prints `ready <url>` once it listens, and each gateway log record as
 * `log <json>`. The test kills it with SIGKILL at chosen moments and starts it again on the
 * same data directory.
 *
 * Run it from the TypeScript sources:
 * `node --no-node-snapshot --conditions=@patchbay/source _crash-gateway.ts <dataDir> <receiverUrl> [port]`
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parsePipeline } from '@patchbay/core'
import { startGateway } from '../src/index.ts'

const [dataDir, receiverUrl, port = '0'] = process.argv.slice(2)
if (!dataDir || !receiverUrl) {
  process.stderr.write('usage: _crash-gateway.ts <dataDir> <receiverUrl> [port]\n')
  process.exit(2)
}

/** The server package folder: the pipeline resolves `@patchbay/destination-webhook` from here. */
const serverDir = fileURLToPath(new URL('..', import.meta.url))
// The same pipeline as _gateway.ts's webhookPipeline (not imported: that module needs vitest).
const yaml = `
name: crash
sources:
  - id: web
    writeKey: wk_test_0123456789
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${receiverUrl}/events" }
egress: { allow: ["127.0.0.1"] }
`

const gateway = await startGateway({
  pipeline: { ...parsePipeline(yaml, { file: join(serverDir, 'pipeline.yaml') }), baseDir: serverDir },
  options: {
    port: Number(port),
    dataDir,
    // Nothing should fail, but if a delivery does, retry it soon rather than in seconds.
    retry: { baseDelayMs: 50, maxDelayMs: 500 },
    delivery: { pollMs: 50 },
  },
  logSink: (record) => process.stdout.write(`log ${JSON.stringify(record)}\n`),
})
process.stdout.write(`ready ${gateway.url}\n`)
