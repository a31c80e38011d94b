import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { fixtures, runCli } from './_cli.ts'

const connector = (name: string) => fileURLToPath(new URL(`../../../connectors/${name}`, import.meta.url))
const file = (name: string, value: unknown) => {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-send-'))
  writeFileSync(join(dir, name), JSON.stringify(value))
  return join(dir, name)
}

describe('patchbay send', () => {
  it("shows a destination's request for one event, step by step, with a given config", async () => {
    const event = file('event.json', { type: 'track', event: 'Signed Up', userId: 'u1', messageId: 'm-1' })
    const config = file('config.json', { url: 'https://hooks.example.com/users/{{userId}}', method: 'PUT' })
    const r = await runCli([
      'send',
      event,
      '--connector',
      connector('destination-webhook'),
      '--config',
      config,
      '--json',
    ])
    expect(r.code).toBe(0)
    const steps = JSON.parse(r.stdout) as Array<{ step: string; value: unknown }>
    expect(steps.map((s) => s.step)).toEqual([
      'input',
      'validated and normalised',
      '@patchbay/destination-webhook transform → requests',
    ])
    expect(steps[2]!.value).toEqual([
      expect.objectContaining({ method: 'PUT', url: 'https://hooks.example.com/users/u1' }),
    ])
  })

  it('stops at validation with the protocol message', async () => {
    const event = file('event.json', { type: 'track', userId: 'u1' })
    const r = await runCli(['send', event, '--connector', connector('destination-webhook')])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('track event needs `event` (a non-empty string) at /event')
  })

  it('runs a transformation as the pipeline does: its output is validated, a drop and a throw are shown', async () => {
    const dir = `${fixtures}dev-transformation`
    const send = (event: unknown) => runCli(['send', file('event.json', event), '--connector', dir, '--json'])
    const ok = await send({ type: 'track', event: 'Signed Up', userId: 'u1', messageId: 'm-1' })
    expect(ok.code).toBe(0)
    const steps = JSON.parse(ok.stdout) as Array<{ step: string; value: unknown }>
    expect(steps.at(-1)).toEqual({
      step: 'dev-transformation → events',
      value: [expect.objectContaining({ event: 'Signed Up', properties: { tag: 'dev' } })],
    })
    // An invalid event out of a transformation fails in run, dev and the gateway: here too.
    const failsWith = async (event: string, code: string, message: string) => {
      const out = await send({ type: 'track', event, userId: 'u1', messageId: `m-${event}` })
      expect(out.code).toBe(1)
      expect(JSON.parse(out.stdout).at(-1)).toEqual({
        step: 'dev-transformation → failed',
        value: expect.objectContaining({ code, message: expect.stringContaining(message) }),
      })
    }
    await failsWith('Broken', 'PB_TRANSFORM_INVALID_OUTPUT', '`event` must be a non-empty string, got 42')
    await failsWith('Bad', 'PB_EVENT_INVALID', 'Bad events are refused')
    const page = await send({ type: 'page', anonymousId: 'a1', name: 'Home', messageId: 'm-4' })
    expect(page.code).toBe(0)
    expect(JSON.parse(page.stdout).at(-1)).toEqual({
      step: 'dev-transformation → dropped',
      value: 'returned null',
    })
  })

  it('refuses a client destination (a database) with what to use instead, not a crash', async () => {
    const event = file('event.json', { type: 'track', event: 'Signed Up', userId: 'u1' })
    const r = await runCli(['send', event, '--connector', connector('destination-duckdb')])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('@patchbay/destination-duckdb delivers through its own client')
    expect(r.stderr).not.toContain('TypeError')
  })

  it('runs a request body through a source', async () => {
    const body = file('payload.json', { id: 'evt_1', type: 'invoice.paid' })
    const r = await runCli(['send', body, '--connector', connector('source-webhook'), '--json'])
    const steps = JSON.parse(r.stdout) as Array<{ step: string; value: unknown }>
    expect(steps[1]!.value).toEqual([
      expect.objectContaining({
        type: 'track',
        event: 'webhook_source_event',
        properties: { id: 'evt_1', type: 'invoice.paid' },
      }),
    ])
  })

  it('gives a source headers, a query and the raw body, so a signature-checking source can be tried', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-send-'))
    const body = join(dir, 'body.json')
    writeFileSync(body, '{"visitor":"v-7"}')
    const args = ['send', body, '--connector', `${fixtures}dev-source`, '--query', 'src=cli', '--json']
    const signed = await runCli([...args, '-H', 'x-signature: whsec_dev', '--raw', '--header', 'x-extra: 1'])
    expect(signed.code).toBe(0)
    const steps = JSON.parse(signed.stdout) as Array<{ step: string; value: Record<string, unknown> }>
    expect(steps[0]).toMatchObject({
      step: 'request',
      value: {
        url: '/v1/webhook/send?src=cli',
        // The header carries the source's secret, so what send prints shows it redacted.
        headers: { 'x-signature': '[redacted]', 'x-extra': '1' },
        body: { visitor: 'v-7' },
      },
    })
    expect(steps[1]!.value).toEqual([expect.objectContaining({ anonymousId: 'v-7' })])
    const text = await runCli([
      ...args,
      '--raw',
      '-H',
      'x-signature: whsec_dev',
      '-H',
      'content-type: text/plain',
    ])
    expect(text.code).not.toBe(0)
    expect(text.stderr).toContain('the body must be a JSON object')
    const parsed = await runCli([...args, '--header=x-signature: whsec_dev'])
    expect(parsed.code).toBe(0)
    expect(JSON.parse(parsed.stdout)[1].value).toEqual([
      expect.objectContaining({ anonymousId: 'v-7', properties: { visitor: 'v-7', source: 'cli' } }),
    ])
    const unsigned = await runCli(args)
    expect(unsigned.code).not.toBe(0)
    expect(unsigned.stderr).toContain('bad signature')
  })

  it("fails when a source makes events the gateway would refuse (400), with each event's validation error", async () => {
    const body = file('body.json', { noIdentity: true })
    const r = await runCli([
      'send',
      body,
      '--connector',
      `${fixtures}dev-source`,
      '-H',
      'x-signature: whsec_dev',
      '--json',
    ])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout).at(-1)).toEqual({
      step: 'validate',
      value: ['event 0: track event needs `userId` or `anonymousId` (a non-empty string) at /userId'],
    })
  })
})
