import { createLogger } from '@patchbay/core'
import { describe, expect, it } from 'vitest'
import { readAirbyte } from '../src/index.ts'

async function* linesOf(...messages: unknown[]) {
  for (const m of messages) yield typeof m === 'string' ? m : JSON.stringify(m)
}

async function read(lines: AsyncIterable<string>) {
  const logs: string[] = []
  const events: Array<Record<string, unknown>> = []
  for await (const batch of readAirbyte(lines, {
    streams: { users: { type: 'identify', userId: 'id', traits: '*' } },
    batchSize: 10,
    file: 'source stdout',
    logger: createLogger({ scope: 'sources.crm', sink: (r) => logs.push(`${r.level} ${r.message}`) }),
  }))
    events.push(...(batch.events as Array<Record<string, unknown>>))
  return { events, logs }
}

const record = (data: Record<string, unknown>) => ({
  type: 'RECORD',
  record: { stream: 'users', data, emitted_at: 1 },
})

describe('readAirbyte', () => {
  it('warns that a CONTROL message (a connector config update) is not saved', async () => {
    const { events, logs } = await read(
      linesOf(
        record({ id: 1 }),
        {
          type: 'CONTROL',
          control: { type: 'CONNECTOR_CONFIG', emitted_at: 2, connectorConfig: { config: {} } },
        },
        record({ id: 2 }),
      ),
    )
    expect(events.map((e) => e.userId)).toEqual(['1', '2'])
    expect(logs).toContainEqual(
      expect.stringMatching(/^warn source stdout:2: a CONTROL message .* is not saved/),
    )
  })

  it('keeps an integer userId beyond 2^53 exact', async () => {
    const { events } = await read(
      linesOf('{"type":"RECORD","record":{"stream":"users","data":{"id":9007199254740993},"emitted_at":1}}'),
    )
    expect(events[0]!.userId).toBe('9007199254740993')
  })
})
