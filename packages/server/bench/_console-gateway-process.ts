// The gateway of the console benchmark, in its own process (pinned to one core by the bench):
// argv = data dir, receiver URL, admin token. With the token the console is on (it observes
// the store and deliveries whether or not anyone watches). Prints `ready <url>` when listening.
import { parsePipeline } from '@patchbay/core'
import { startGateway } from '../src/index.ts'
import { pipelineYaml } from './_bodies.ts'

const [dataDir, receiverUrl, adminToken] = process.argv.slice(2) as [string, string, string]
const base = new URL('..', import.meta.url).pathname
const gateway = await startGateway({
  pipeline: {
    ...parsePipeline(pipelineYaml(receiverUrl, false), { file: `${base}pipeline.yaml` }),
    baseDir: base,
  },
  options: { port: 0, dataDir, adminToken },
})
process.stdout.write(`ready ${gateway.url}\n`)
process.on('SIGTERM', () => void gateway.close().then(() => process.exit(0)))
