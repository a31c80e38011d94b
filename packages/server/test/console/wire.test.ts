import {
  ConsoleRecordSchema,
  DeadLetterViewSchema,
  LookupResultSchema,
  OverviewSchema,
} from '@patchbay/console'
import type { TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { describe, expect, it } from 'vitest'
import { post, startReceiver, useGateways, waitFor, webhookPipeline } from '../_gateway.ts'

/**
 * What the gateway sends the console page matches the wire schemas the page is typed by
 * (@patchbay/console): a field renamed on one side only fails here, not in a browser.
 */
const { start, track } = useGateways()
const TOKEN = 'console_admin_token_0123456789'

/** The schema's errors for `value`, as `path: message` lines (empty when it conforms). */
const problems = (schema: TSchema, value: unknown) =>
  [...Value.Errors(schema, value)].map((e) => `${e.instancePath}: ${e.message}`)

describe('the console API against its wire schemas', () => {
  it('sends an overview, recent records and dead letters of the shapes the page reads', async () => {
    // The first message is refused for good (a dead letter); the second is delivered.
    const receiver = track(
      await startReceiver((req) => ({
        status: (req.body as { messageId?: string }).messageId === 'wire-bad' ? 400 : 200,
      })),
    )
    const g = await start(webhookPipeline(receiver.url), { adminToken: TOKEN })
    const api = async (path: string) => {
      const res = await fetch(`${g.url}/console/api/${path}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      })
      expect(res.status, path).toBe(200)
      return (await res.json()) as Record<string, unknown>
    }
    for (const messageId of ['wire-bad', 'wire-ok'])
      expect(
        (
          await post(g, '/v1/track', {
            messageId,
            userId: 'wire-user',
            event: 'Wire Checked',
            properties: { n: 1 },
          })
        ).status,
      ).toBe(200)
    await waitFor(() => receiver.received.length === 1, 'wire-ok delivered')
    await waitFor(
      async () => ((await api('dead-letters')).deadLetters as unknown[]).length === 1,
      'a dead letter',
    )

    expect(problems(OverviewSchema, await api('overview'))).toEqual([])
    const found = await api('lookup?user=wire-user')
    expect(problems(LookupResultSchema, found)).toEqual([])
    // The dead letter, found in the store.
    expect(found.stored).toEqual([expect.objectContaining({ state: 'dead_letter', messageId: 'wire-bad' })])
    const recent = found.recent as unknown[]
    expect(recent).toHaveLength(2)
    for (const record of recent) expect(problems(ConsoleRecordSchema, record)).toEqual([])
    const deadLetters = (await api('dead-letters')).deadLetters as unknown[]
    expect(deadLetters).toHaveLength(1)
    expect(problems(DeadLetterViewSchema, deadLetters[0])).toEqual([])
    // The schemas are not vacuous: a record without its destinations does not conform.
    const { destinations: _, ...partial } = recent[0] as Record<string, unknown>
    expect(problems(ConsoleRecordSchema, partial)).not.toEqual([])
  })
})
