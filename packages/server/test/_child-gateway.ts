/**
 * Child process of the hostile-input, disk-full, fuzz, crash and multi-node tests: a real gateway started from
 * `argv[2]`, a JSON `{ dataDir, receiverUrl, options?, ordered?, identity? }`, with an SDK source (`web`), a
 * webhook source through @patchbay/source-webhook (`stripe`) and a webhook destination.
 * Prints `ready <url>` once it listens and each log record as `log <json>`; a failed start
 * prints `failed <message>` and exits 1.
 *
 * `node --no-node-snapshot --conditions=@patchbay/source _child-gateway.ts '<json>'`
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parsePipeline } from '@patchbay/core'
import { type GatewayOptionsInput, startGateway } from '../src/index.ts'

const {
  dataDir,
  receiverUrl,
  options = {},
  ordered = false,
  identity,
} = JSON.parse(process.argv[2] ?? '{}') as {
  dataDir: string
  receiverUrl: string
  options?: GatewayOptionsInput
  /** Deliver to the webhook in order per user. */
  ordered?: boolean
  /** The pipeline's `identity:` block, as YAML (`{}`: stitching with the defaults). */
  identity?: string
}

const serverDir = fileURLToPath(new URL('..', import.meta.url))
const yaml = `
name: child
sources:
  - id: web
    writeKey: wk_test_0123456789
  - id: stripe
    use: "@patchbay/source-webhook@^0"
    writeKey: wk_stripe_0123456789
    config: { eventNamePath: type, userIdPath: data.customer }
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${receiverUrl}/events" }
egress: { allow: ["127.0.0.1"] }${ordered ? '\ngateway: { destinations: { hook: { ordering: user } } }' : ''}${identity === undefined ? '' : `\nidentity: ${identity}`}
`

try {
  const gateway = await startGateway({
    pipeline: { ...parsePipeline(yaml, { file: join(serverDir, 'pipeline.yaml') }), baseDir: serverDir },
    options: {
      port: 0,
      dataDir,
      retry: { baseDelayMs: 50, maxDelayMs: 200 },
      delivery: { pollMs: 50 },
      ...options,
    },
    logSink: (record) => process.stdout.write(`log ${JSON.stringify(record)}\n`),
  })
  process.stdout.write(`ready ${gateway.url}\n`)
} catch (error) {
  process.stdout.write(`failed ${JSON.stringify((error as Error).message)}\n`)
  process.exit(1)
}
