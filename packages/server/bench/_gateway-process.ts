// The gateway under benchmark, in its own process (pinned to one core by the bench):
// argv = data dir, receiver URL, `batched` or `single`. Prints `ready <url>` when listening.
// PB_BENCH_FEATURE (`plan` or `identity`, see _features.ts) turns a gateway feature on.
// With `http` as the mode it is the baseline instead: a bare node:http server that reads and
// parses each body and answers 200, storing nothing.
import { createServer } from 'node:http'
import { parsePipeline } from '@patchbay/core'
import { startGateway } from '../src/index.ts'
import { pipelineYaml } from './_bodies.ts'
import { type Feature, withFeature } from './_features.ts'

const [dataDir, receiverUrl, mode] = process.argv.slice(2) as [string, string, string]

if (mode === 'http') {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'))
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}')
    })
  })
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`ready http://127.0.0.1:${(server.address() as { port: number }).port}\n`)
  })
} else {
  const base = new URL('..', import.meta.url).pathname
  const feature = process.env.PB_BENCH_FEATURE as Feature | undefined
  const yaml = pipelineYaml(receiverUrl, mode === 'batched')
  const gateway = await startGateway({
    pipeline: {
      ...parsePipeline(feature ? withFeature(yaml, feature, dataDir) : yaml, {
        file: `${base}pipeline.yaml`,
      }),
      baseDir: base,
    },
    // PB_BENCH_STORE: a postgres:// URL, for the PostgreSQL store's figures (postgres.bench.ts).
    options: {
      port: 0,
      dataDir,
      ...(process.env.PB_BENCH_STORE ? { store: process.env.PB_BENCH_STORE } : {}),
    },
  })
  process.stdout.write(`ready ${gateway.url}\n`)
  process.on('SIGTERM', () => void gateway.close().then(() => process.exit(0)))
}
