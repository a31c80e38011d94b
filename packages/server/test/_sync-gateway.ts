/**
 * Child process of sync.test.ts: a real gateway on the data directory `argv[2]`, delivering to
 * the receiver at `argv[3]`, with an SDK source and a Singer source synced every second (the
 * Node test tap of @patchbay/source-singer, config `argv[4]`). Prints `ready <url>` and each
 * log record as `log <json>`; the test SIGKILLs it mid-sync and starts it again.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parsePipeline } from '@patchbay/core'
import { startGateway } from '../src/index.ts'

const [dataDir, receiverUrl, tapConfig] = process.argv.slice(2)
const serverDir = fileURLToPath(new URL('..', import.meta.url))
const tap = fileURLToPath(
  new URL('../../../connectors/source-singer/test/fixtures/taps/tap-people.mjs', import.meta.url),
)
const yaml = `
name: sync
sources:
  - id: web
    writeKey: wk_test_0123456789
  - id: crm
    use: "@patchbay/source-singer"
    schedule: "* * * * * *"
    config:
      command: ${JSON.stringify(process.execPath)}
      args: [${JSON.stringify(tap)}]
      tapConfig: ${tapConfig}
      batchSize: 50
      streams:
        people: { type: identify, userId: id, traits: [email] }
        orders: { type: track, event: Order Completed, userId: person_id }
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${receiverUrl}/events" }
egress: { allow: ["127.0.0.1"] }
`
const gateway = await startGateway({
  pipeline: { ...parsePipeline(yaml, { file: join(serverDir, 'pipeline.yaml') }), baseDir: serverDir },
  options: {
    port: 0,
    dataDir: dataDir!,
    retry: { baseDelayMs: 50, maxDelayMs: 500 },
    delivery: { pollMs: 50 },
  },
  logSink: (record) => process.stdout.write(`log ${JSON.stringify(record)}\n`),
})
process.stdout.write(`ready ${gateway.url}\n`)
