import { existsSync } from 'node:fs'
import { join } from 'node:path'
import {
  ConfigurationError,
  defineDestination,
  type LogRecord,
  PluginRegistry,
  parsePipeline,
  Secret,
} from '@patchbay/core'
import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { startGateway } from '../src/index.ts'
import { serverDir, useGateways, WRITE_KEY } from './_gateway.ts'

const TOKEN = 'tok"en\\with spaces~+/='

/** A destination whose check refuses every token but "good", echoing the token (as real APIs do). */
const crm = defineDestination({
  name: '@test/destination-crm',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({ url: Type.String(), token: Secret(Type.String()) }),
  supports: ['track'],
  transform: (event, { config }) => ({ method: 'POST', url: config.url, body: { id: event.messageId } }),
  check: async ({ config }) => {
    if (config.token !== 'good') throw new Error(`401 from ${config.url}: token ${config.token} was refused`)
  },
})

const yaml = (token: string) => `
sources:
  - id: web
    writeKey: ${WRITE_KEY}
destinations:
  - id: crm
    use: "@test/destination-crm@^1"
    config: { url: "http://127.0.0.1:9/events", token: ${JSON.stringify(token)} }
`

describe("the gateway runs each destination's check hook at start", () => {
  const gateways = useGateways()

  async function start(token: string, checkOnStart?: 'warn' | 'fail' | 'off') {
    const logs: LogRecord[] = []
    const dataDir = gateways.tempDir()
    const gateway = await startGateway({
      pipeline: {
        ...parsePipeline(yaml(token), { file: join(serverDir, 'pipeline.yaml') }),
        baseDir: serverDir,
      },
      registry: new PluginRegistry().add(crm),
      options: { port: 0, dataDir, ...(checkOnStart ? { checkOnStart } : {}) },
      logSink: (record) => logs.push(record),
    })
    gateways.track(gateway)
    return { gateway, logs, dataDir }
  }

  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25))
  }

  it('by default starts anyway and logs the failure, redacted', async () => {
    const { gateway, logs } = await start(TOKEN)
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200)
    await until(() => logs.some((l) => l.message.includes('connection check failed')))
    const warning = logs.find((l) => l.message.includes('connection check failed'))
    expect(warning).toMatchObject({ level: 'warn', scope: 'gateway' })
    expect(warning!.message).toContain(
      'destination crm: the connection check failed: 401 from http://127.0.0.1:9/events',
    )
    expect(warning!.message).not.toContain(TOKEN)
    expect(warning!.message).toContain('[redacted]')
  })

  it('with checkOnStart: fail refuses to start, names the destination, and leaves no data dir behind', async () => {
    const dataDir = join(gateways.tempDir(), 'data')
    const started = startGateway({
      pipeline: {
        ...parsePipeline(yaml(TOKEN), { file: join(serverDir, 'pipeline.yaml') }),
        baseDir: serverDir,
      },
      registry: new PluginRegistry().add(crm),
      options: { port: 0, dataDir, checkOnStart: 'fail' },
    })
    const error = await started.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ConfigurationError)
    expect(error).toMatchObject({ code: 'PB_CHECK_FAILED' })
    expect((error as Error).message).toContain('destination crm: the connection check failed')
    expect((error as Error).message).not.toContain(TOKEN)
    expect(existsSync(dataDir)).toBe(false)
  })

  it('starts quietly when the check passes, and never calls it with checkOnStart: off', async () => {
    const good = await start('good', 'fail')
    expect(good.logs.filter((l) => l.message.includes('connection check'))).toEqual([])
    const off = await start(TOKEN, 'off')
    await new Promise((r) => setTimeout(r, 100))
    expect(off.logs.filter((l) => l.message.includes('connection check'))).toEqual([])
  })
})
