import { describe, expect, it } from 'vitest'
import { dedupingReceiver, stateDir, syncOnce, TAPS } from './_harness.ts'

const ids = (kept: Map<string, Record<string, unknown>>, type: string) =>
  [...kept.values()]
    .filter((e) => e.type === type)
    .map((e) => Number(e.userId))
    .sort((a, b) => a - b)
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe.each(Object.entries(TAPS))('a %s tap', (_language, tap) => {
  it('full sync: every record becomes its mapped event, and the final STATE is saved', async () => {
    const dir = stateDir()
    const receiver = dedupingReceiver()
    const { report, error, state } = await syncOnce(tap, { count: 30 }, dir, receiver)
    expect(error).toBeUndefined()
    expect(report).toMatchObject({ events: 40, checkpoints: expect.any(Number), checkpointHeld: false })
    expect(state).toEqual({ bookmarks: { people: { id: 30 } } })
    expect(ids(receiver.kept, 'identify')).toEqual(range(1, 30))
    expect(ids(receiver.kept, 'track')).toEqual(range(1, 10).map((i) => i * 3))
    expect(receiver.kept.get([...receiver.kept.keys()][0]!)).toEqual({
      type: 'identify',
      messageId: expect.stringMatching(/^people:1:[0-9a-f]{16}$/),
      userId: '1',
      traits: { email: 'user1@example.com', plan: 'v1' },
      context: { extract: { stream: 'people', connector: 'singer' } },
    })
    expect([...receiver.kept.values()].find((e) => e.type === 'track')).toMatchObject({
      event: 'Order Completed',
      userId: '3',
      properties: { order_id: 'o-3', person_id: 3, total: 4.5 },
      messageId: expect.stringMatching(/^orders:o-3:[0-9a-f]{16}$/),
    })
  })

  it('incremental sync: starts from the saved bookmark and sends only newer records', async () => {
    const dir = stateDir()
    const receiver = dedupingReceiver()
    await syncOnce(tap, { count: 20 }, dir, receiver)
    const before = receiver.deliveries()
    const { error, state } = await syncOnce(tap, { count: 25 }, dir, receiver)
    expect(error).toBeUndefined()
    expect(receiver.deliveries() - before).toBe(5 + 2) // people 21..25, orders o-21 and o-24
    expect(state).toEqual({ bookmarks: { people: { id: 25 } } })
    expect(ids(receiver.kept, 'identify')).toEqual(range(1, 25))
  })

  it('a changed record gets a new messageId (a new version), the same record the same one', async () => {
    const a = dedupingReceiver()
    const b = dedupingReceiver()
    await syncOnce(tap, { count: 3 }, stateDir(), a)
    await syncOnce(tap, { count: 3 }, stateDir(), b)
    expect([...b.kept.keys()]).toEqual([...a.kept.keys()])
    const c = dedupingReceiver()
    await syncOnce(tap, { count: 3, version: 2 }, stateDir(), c)
    // The people changed (plan v2), the orders did not.
    expect([...c.kept.keys()].filter((id) => a.kept.has(id))).toEqual(['orders:o-3:6f6a0595763a2bf5'])
  })

  it('interrupted (the tap is SIGKILLed): nothing is checkpointed past the last accepted batch, and the resumed sync delivers each record exactly once after dedupe', async () => {
    const dir = stateDir()
    const receiver = dedupingReceiver()
    const first = await syncOnce(tap, { count: 60, crash_at: 37 }, dir, receiver)
    expect(first.error?.code).toBe('PB_EXTRACT_FAILED')
    expect(first.error?.message).toMatch(/was killed by SIGKILL after line \d+/)
    // Every record up to the saved bookmark was accepted before it was saved.
    const bookmark = (first.state as { bookmarks: { people: { id: number } } }).bookmarks.people.id
    expect(bookmark).toBeLessThan(37)
    expect(ids(receiver.kept, 'identify').slice(0, bookmark)).toEqual(range(1, bookmark))
    const second = await syncOnce(tap, { count: 60 }, dir, receiver)
    expect(second.error).toBeUndefined()
    expect(ids(receiver.kept, 'identify')).toEqual(range(1, 60))
    expect(ids(receiver.kept, 'track')).toEqual(range(1, 20).map((i) => i * 3))
    // Re-sent records were those after the bookmark only: the receiver saw them twice at most.
    expect(receiver.deliveries() - receiver.kept.size).toBeLessThanOrEqual(36 - bookmark + 12)
  })

  it('a tap that exits non-zero: the error has its exit code and stderr, and no state moves past it', async () => {
    const dir = stateDir()
    const { error, state } = await syncOnce(tap, { count: 30, exit_at: 15 }, dir, dedupingReceiver())
    expect(error?.code).toBe('PB_EXTRACT_FAILED')
    expect(error?.message).toMatch(
      /exited with code 3 after line \d+; its last stderr lines: .*the API answered 500/,
    )
    expect(state).toEqual({ bookmarks: { people: { id: 10 } } })
  })

  it('garbage output: refused at its line, state stays before it', async () => {
    const dir = stateDir()
    const { error, state } = await syncOnce(tap, { count: 30, garbage_at: 24 }, dir, dedupingReceiver())
    expect(error?.code).toBe('PB_SINGER_MESSAGE_INVALID')
    // 2 SCHEMA lines, then 23 records, 7 orders and 2 STATEs before the garbage at line 35.
    expect(error?.message).toMatch(
      /stdout:35: not a JSON message .*"Traceback \(most recent call last\): oops"/,
    )
    expect(error?.location?.line).toBe(35)
    expect(state).toEqual({ bookmarks: { people: { id: 20 } } })
  })

  it('a record that violates its SCHEMA: refused with the line and field', async () => {
    const { error, state } = await syncOnce(tap, { count: 30, violate_at: 5 }, stateDir(), dedupingReceiver())
    expect(error?.code).toBe('PB_SINGER_SCHEMA_VIOLATION')
    expect(error?.message).toMatch(
      /stdout:8: the RECORD of stream "people" does not match its SCHEMA: \/id must be integer/,
    )
    expect(state).toBeUndefined()
  })

  it('a stderr line over 64 KiB is logged cut, and the tap goes on (its stderr stays open)', async () => {
    const dir = stateDir()
    const logs: string[] = []
    const { error, state } = await syncOnce(
      tap,
      { count: 30, long_stderr_at: 5 },
      dir,
      dedupingReceiver(),
      {},
      logs,
    )
    expect(error).toBeUndefined()
    expect(state).toEqual({ bookmarks: { people: { id: 30 } } })
    const cut = logs.find((l) => l.includes('xxxx'))
    expect(cut).toMatch(/\[cut: the line is longer than 65536 characters\]$/)
    expect(cut!.length).toBeLessThan(66_000)
    expect(logs.some((l) => /tap[-_]people: after the long line/.test(l))).toBe(true)
  })

  it('a tap that never ends: killed at the idle timeout, with its process group', async () => {
    // 8 s, not less: the idle clock runs from the start, and on a loaded CI machine python3
    // once took 4.3 s to print its first line (then it was killed before line 1).
    const { error, state } = await syncOnce(tap, { count: 30, hang_at: 12 }, stateDir(), dedupingReceiver(), {
      idleTimeoutSeconds: 8,
    })
    expect(error?.code).toBe('PB_EXTRACT_TIMEOUT')
    expect(error?.message).toMatch(
      /was killed after line \d+: it printed nothing for 8000 ms \(idleTimeoutMs\); its last stderr lines: tap[-_]people: starting after id 0/,
    )
    expect(state).toEqual({ bookmarks: { people: { id: 10 } } })
  })
})

describe('mapping', () => {
  it('refuses a stream the output has and the mapping lacks, at its SCHEMA line', async () => {
    const { error } = await syncOnce(TAPS.node, { count: 3 }, stateDir(), dedupingReceiver(), {
      streams: { people: { type: 'identify', userId: 'id' } },
    })
    expect(error?.code).toBe('PB_STREAM_UNMAPPED')
    expect(error?.message).toMatch(/stream "orders" has no mapping in `streams:` \(from .*stdout:2\)/)
  })

  it('refuses a catalog with a selected stream that has no mapping, before the tap runs', async () => {
    const catalog = {
      streams: [
        {
          tap_stream_id: 'people',
          stream: 'people',
          metadata: [{ breadcrumb: [], metadata: { selected: true } }],
        },
        {
          tap_stream_id: 'invoices',
          stream: 'invoices',
          metadata: [{ breadcrumb: [], metadata: { selected: true } }],
        },
        {
          tap_stream_id: 'notes',
          stream: 'notes',
          metadata: [{ breadcrumb: [], metadata: { selected: false } }],
        },
      ],
    }
    const { error } = await syncOnce(
      { command: '/nonexistent/tap', args: [] },
      { count: 3 },
      stateDir(),
      dedupingReceiver(),
      {
        catalog,
      },
    )
    expect(error?.code).toBe('PB_STREAM_UNMAPPED')
    expect(error?.message).toBe('stream "invoices" has no mapping in `streams:`')
  })

  it('a missing tap command is a spawn error naming it', async () => {
    const { error } = await syncOnce(
      { command: '/nonexistent/tap-x', args: [] },
      { count: 3 },
      stateDir(),
      dedupingReceiver(),
    )
    expect(error?.code).toBe('PB_EXTRACT_SPAWN')
    expect(error?.message).toMatch(
      /could not start `\/nonexistent\/tap-x --config .*`: spawn \/nonexistent\/tap-x ENOENT/,
    )
  })
})
