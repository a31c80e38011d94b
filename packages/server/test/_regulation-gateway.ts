/**
 * Child process of regulations-kill.test.ts: a real gateway from `argv[2]`, a JSON
 * `{ dataDir, receiverUrl, options? }`, with an SDK source (`web`) and a webhook destination
 * that can delete users (`deletion.url` = `<receiverUrl>/deletions`). Prints `ready <url>`
 * once it listens; a failed start prints `failed <message>` and exits 1.
 *
 * `node --no-node-snapshot --conditions=@patchbay/source _regulation-gateway.ts '<json>'`
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parsePipeline } from '@patchbay/core'
import { type GatewayOptionsInput, startGateway } from '../src/index.ts'

const {
  dataDir,
  receiverUrl,
  options = {},
} = JSON.parse(process.argv[2] ?? '{}') as {
  dataDir: string
  receiverUrl: string
  options?: GatewayOptionsInput
}

const serverDir = fileURLToPath(new URL('..', import.meta.url))
const yaml = `
name: regulations
sources:
  - id: web
    writeKey: wk_test_0123456789
destinations:
  - id: hook
    use: "@patchbay/destination-webhook@^0"
    config: { url: "${receiverUrl}/events", deletion: { url: "${receiverUrl}/deletions" } }
egress: { allow: ["127.0.0.1"] }
`

try {
  const gateway = await startGateway({
    pipeline: { ...parsePipeline(yaml, { file: join(serverDir, 'pipeline.yaml') }), baseDir: serverDir },
    options: {
      port: 0,
      dataDir,
      adminToken: 'admin_token_0123456789abcdef',
      retry: { baseDelayMs: 50, maxDelayMs: 200 },
      delivery: { pollMs: 50 },
      ...options,
    },
    logSink: () => {},
  })
  process.stdout.write(`ready ${gateway.url}\n`)
} catch (error) {
  process.stdout.write(`failed ${JSON.stringify((error as Error).message)}\n`)
  process.exit(1)
}
