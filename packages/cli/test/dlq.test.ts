// @long-pole 91: seconds in a CI run; the longest files start first (see vitest.config.ts).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type DeadLetter, openSqliteStore, type Store } from '@patchbay/server'
import { afterEach, describe, expect, it } from 'vitest'
import type { Selection } from '../src/_dlq-selection.ts'
import type { Output } from '../src/_output.ts'
import { purgeDeadLetters } from '../src/commands/dlq.ts'
import { runCli } from './_cli.ts'

const T0 = Date.parse('2025-03-14T09:00:00.000Z')
const minutes = (n: number) => T0 + n * 60_000
const EXHAUSTED =
  'gave up after 3 attempts over the 24 h retry window; last error PB_DELIVERY_RETRYABLE: destinations.crm: the destination answered 503; it will be retried'
const REFUSED = 'PB_DELIVERY_ABORTED: destinations.crm: the destination refused the request with 400'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-dlq-'))
  dirs.push(dir)
  return dir
}

/** Claims the destination's next due job, fails it `failures` times, then aborts it with `reason`. */
async function bury(store: Store, destinationId: string, reason: string, failures: number, at: number) {
  for (let attempt = 0; ; attempt++) {
    const [job] = await store.claim(destinationId, { limit: 1, now: at, ordered: false })
    if (attempt === failures) return store.abort(job!.id, { reason, now: at })
    await store.retry(job!.id, { nextAt: at, error: '503' })
  }
}

/**
 * A data directory with three dead letters, the way the gateway makes them: events appended,
 * processed into jobs, claimed, and aborted. 1: crm m-1 (400), 2: crm m-2 (retries
 * exhausted after 3 attempts), 3: ads m-3 (404).
 */
async function seededDir(): Promise<string> {
  const dir = tempDir()
  const store = openSqliteStore({ dir, now: () => T0 })
  try {
    const messages = [
      ['m-1', 'crm', 'u1'],
      ['m-2', 'crm', 'u2'],
      ['m-3', 'ads', null],
    ] as const
    await store.append(
      messages.map(([messageId]) => ({ sourceId: 'web', messageId, event: { type: 'track', messageId } })),
    )
    const pending = await store.readPending(10)
    await store.commitProcessed(
      pending.map((e) => e.seq),
      messages.map(([messageId, destinationId, orderKey]) => ({
        destinationId,
        orderKey,
        messageId,
        payload: { email: `${messageId}@example.com`, properties: { total: 42.5 } },
      })),
      T0,
    )
    await bury(store, 'crm', REFUSED, 0, minutes(1))
    await bury(store, 'crm', EXHAUSTED, 2, minutes(2))
    await bury(store, 'ads', 'the destination answered 404 Not Found', 0, minutes(3))
  } finally {
    await store.close()
  }
  return dir
}

/** Opens the store after the CLI ran, hands it to `look`, and closes it. */
async function inspect<T>(dir: string, look: (store: Store) => T | Promise<T>): Promise<T> {
  const store = openSqliteStore({ dir })
  try {
    return await look(store)
  } finally {
    await store.close()
  }
}

const deadLetter = (id: number, destinationId: string, messageId: string): Partial<DeadLetter> => ({
  id,
  destinationId,
  messageId,
  payload: { email: `${messageId}@example.com`, properties: { total: 42.5 } },
  step: 'delivery',
})

describe('patchbay dlq list', () => {
  it('prints a table, oldest first, with the totals per destination', async () => {
    const dir = await seededDir()
    const r = await runCli(['dlq', 'list', '--data-dir', dir])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      [
        // The reason leaves out the `destinations.<id>: ` label of the destination column.
        'id  destination  message id  attempts  aborted at                reason',
        '1   crm          m-1         1         2025-03-14T09:01:00.000Z  PB_DELIVERY_ABORTED: the destination refused the request with 400',
        '2   crm          m-2         3         2025-03-14T09:02:00.000Z  gave up after 3 attempts over the 24 h retry window; last error PB_DELI…',
        '3   ads          m-3         1         2025-03-14T09:03:00.000Z  the destination answered 404 Not Found',
        '',
        '3 dead letters in all: ads 1, crm 2',
        '',
      ].join('\n'),
    )
  })

  it('prints a JSON array with --json, filters by destination and pages with --limit and --after', async () => {
    const dir = await seededDir()
    const all = await runCli(['dlq', 'list', '--data-dir', dir, '--json'])
    expect(JSON.parse(all.stdout)).toEqual([
      {
        ...deadLetter(1, 'crm', 'm-1'),
        orderKey: 'u1',
        attempts: 1,
        reason: REFUSED,
        createdAt: T0,
        abortedAt: minutes(1),
      },
      {
        ...deadLetter(2, 'crm', 'm-2'),
        orderKey: 'u2',
        attempts: 3,
        reason: EXHAUSTED,
        createdAt: T0,
        abortedAt: minutes(2),
      },
      {
        ...deadLetter(3, 'ads', 'm-3'),
        orderKey: null,
        attempts: 1,
        reason: 'the destination answered 404 Not Found',
        createdAt: T0,
        abortedAt: minutes(3),
      },
    ])

    const crm = await runCli(['dlq', 'list', '--data-dir', dir, '--destination', 'crm', '--json'])
    expect((JSON.parse(crm.stdout) as DeadLetter[]).map((d) => d.id)).toEqual([1, 2])

    const first = await runCli(['dlq', 'list', '--data-dir', dir, '--limit', '2'])
    expect(first.stdout).toContain('More after id 2: run the same command with --after 2')
    const next = await runCli(['dlq', 'list', '--data-dir', dir, '--limit', '2', '--after', '2', '--json'])
    expect((JSON.parse(next.stdout) as DeadLetter[]).map((d) => d.id)).toEqual([3])
  })

  it('reads the data directory from PATCHBAY_DATA_DIR', async () => {
    const dir = await seededDir()
    const r = await runCli(['dlq', 'list', '--json'], { env: { PATCHBAY_DATA_DIR: dir } })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toHaveLength(3)
  })

  it('says so when there are none', async () => {
    const dir = await seededDir()
    const r = await runCli(['dlq', 'list', '--data-dir', dir, '--destination', 'billing'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`No dead letters for billing in ${dir}.\n`)
  })
})

describe('patchbay dlq show', () => {
  it('prints one dead letter in full, its payload pretty-printed', async () => {
    const dir = await seededDir()
    const r = await runCli(['dlq', 'show', '2', '--data-dir', dir])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      [
        'dead letter 2',
        'destination  crm',
        'message id   m-2',
        'order key    u2',
        'attempts     3',
        `reason       ${EXHAUSTED}`,
        'created at   2025-03-14T09:00:00.000Z',
        'aborted at   2025-03-14T09:02:00.000Z',
        'payload',
        '{',
        '  "email": "m-2@example.com",',
        '  "properties": {',
        '    "total": 42.5',
        '  }',
        '}',
        '',
      ].join('\n'),
    )
    const json = await runCli(['dlq', 'show', '3', '--data-dir', dir, '--json'])
    expect(JSON.parse(json.stdout)).toMatchObject(deadLetter(3, 'ads', 'm-3'))
  })

  it('exits 1 for an unknown id, 2 for something that is not an id', async () => {
    const dir = await seededDir()
    const unknown = await runCli(['dlq', 'show', '9', '--data-dir', dir])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain(`No dead letter 9 in ${dir}`)
    const bad = await runCli(['dlq', 'show', 'abc', '--data-dir', dir])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('"abc" is not a dead letter id')
  })
})

describe('patchbay dlq replay', () => {
  it('moves the dead letters given back to their queues', async () => {
    const dir = await seededDir()
    const r = await runCli(['dlq', 'replay', '1', '3', '--data-dir', dir])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      'Replayed 2 dead letters (ads 1, crm 1): queued again, the gateway will deliver them when it runs.\n',
    )
    await inspect(dir, async (store) => {
      expect((await store.deadLetters.list()).map((d) => d.id)).toEqual([2])
      expect((await store.stats()).jobs).toEqual({
        crm: { waiting: 1, in_flight: 0, retrying: 0 },
        ads: { waiting: 1, in_flight: 0, retrying: 0 },
      })
      const [job] = await store.claim('crm', { limit: 10, now: Date.now(), ordered: true })
      expect(job).toMatchObject({
        messageId: 'm-1',
        orderKey: 'u1',
        attempts: 0,
        payload: deadLetter(1, 'crm', 'm-1').payload,
      })
    })
  })

  it('replays a destination, or everything with --all', async () => {
    const dir = await seededDir()
    const crm = await runCli(['dlq', 'replay', '--destination', 'crm', '--data-dir', dir])
    expect(crm.stdout).toMatch(/^Replayed 2 dead letters \(crm 2\)/)
    const all = await runCli(['dlq', 'replay', '--all', '--data-dir', dir])
    expect(all.stdout).toMatch(/^Replayed 1 dead letter \(ads 1\): queued again, the gateway will deliver it/)
    await inspect(dir, async (store) => {
      expect(await store.deadLetters.count()).toBe(0)
      expect((await store.stats()).jobs.crm?.waiting).toBe(2)
    })
  })

  it('exits 1 and names the ids that match no dead letter', async () => {
    const dir = await seededDir()
    const r = await runCli(['dlq', 'replay', '3', '7', '--data-dir', dir])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^Replayed 1 dead letter \(ads 1\)/)
    expect(r.stderr).toContain('no dead letter with id 7')
  })

  it('refuses without a selector (usage error): --all is never implied', async () => {
    const dir = await seededDir()
    for (const verb of ['replay', 'purge']) {
      const r = await runCli(['dlq', verb, '--data-dir', dir, '--yes'])
      expect(r.code).toBe(2)
      expect(r.stderr).toContain(`dlq ${verb} needs dead letter ids, --destination ID, or --all`)
    }
    const mixed = await runCli(['dlq', 'replay', '1', '--all', '--data-dir', dir])
    expect(mixed.code).toBe(2)
    expect(mixed.stderr).toContain('--all replays every dead letter: give it alone')
    await inspect(dir, async (store) => expect(await store.deadLetters.count()).toBe(3))
  })
})

describe('patchbay dlq purge', () => {
  it('deletes for good with --yes', async () => {
    const dir = await seededDir()
    const r = await runCli(['dlq', 'purge', '--destination', 'crm', '--yes', '--data-dir', dir])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('Purged 2 dead letters (crm 2).\n')
    await inspect(dir, async (store) => {
      expect((await store.deadLetters.list()).map((d) => d.id)).toEqual([3])
      expect((await store.stats()).jobs).toEqual({})
    })
  })

  it('refuses without --yes when stdin is not a terminal, deleting nothing', async () => {
    const dir = await seededDir()
    const r = await runCli(['dlq', 'purge', '--all', '--data-dir', dir])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('stdin is not a terminal to ask on: pass --yes to confirm')
    await inspect(dir, async (store) => expect(await store.deadLetters.count()).toBe(3))
  })

  it('asks on a terminal: no keeps them, yes deletes them', async () => {
    const dir = await seededDir()
    const printed: string[] = []
    const output: Output = { out: (t) => printed.push(t), err: (t) => printed.push(t), tty: false }
    const questions: string[] = []
    const answer = (yes: boolean) => async (question: string) => {
      questions.push(question)
      return yes
    }
    const selection: Selection = { all: false, ids: [1, 2] }
    expect(await purgeDeadLetters({ dataDir: dir, selection }, output, answer(false))).toBe(1)
    expect(await purgeDeadLetters({ dataDir: dir, selection }, output, answer(true))).toBe(0)
    expect(questions).toEqual([
      `Delete 2 dead letters (crm 2) from ${dir} for good?`,
      `Delete 2 dead letters (crm 2) from ${dir} for good?`,
    ])
    expect(printed).toEqual(['Nothing purged.', 'Purged 2 dead letters (crm 2).'])
    await inspect(dir, async (store) => expect(await store.deadLetters.count()).toBe(1))
  })
})

describe('the data directory', () => {
  it('is never created: a missing one is refused (exit 2)', async () => {
    const dir = path.join(tempDir(), 'missing')
    for (const args of [['list'], ['show', '1'], ['replay', '--all'], ['purge', '--all', '--yes']]) {
      const r = await runCli(['dlq', ...args, '--data-dir', dir])
      expect(r.code).toBe(2)
      expect(r.stderr).toContain(`No data directory at ${dir} (nothing was created)`)
    }
    expect(fs.existsSync(dir)).toBe(false)
  })

  it('must be a gateway data directory: one without patchbay.db is left untouched', async () => {
    const dir = tempDir()
    const r = await runCli(['dlq', 'list', '--data-dir', dir])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${dir} holds no Patchbay database (patchbay.db)`)
    expect(fs.readdirSync(dir)).toEqual([])
  })

  it('is refused while a gateway holds it (exit 2), naming the pid and pointing to --gateway', async () => {
    const dir = await seededDir()
    // The lock is a pid file: this (live) test process holding the store stands for a gateway.
    const gateway = openSqliteStore({ dir })
    try {
      for (const args of [['list'], ['replay', '--all'], ['purge', '--all', '--yes']]) {
        const r = await runCli(['dlq', ...args, '--data-dir', dir])
        expect(r.code).toBe(2)
        expect(r.stderr).toBe(
          `error Process ${process.pid} (a running gateway?) holds ${dir}, and the store allows one process per data directory. While the gateway runs, go through it instead: add --gateway URL (or set PATCHBAY_GATEWAY_URL), with PATCHBAY_ADMIN_TOKEN set to its admin token.\n`,
        )
      }
      expect(await gateway.deadLetters.count()).toBe(3)
    } finally {
      await gateway.close()
    }
  })
})

describe('patchbay dlq <subcommand> --help', () => {
  it("shows the subcommand's own help, not the group's", async () => {
    const purge = await runCli(['dlq', 'purge', '--help'])
    expect(purge.code).toBe(0)
    expect(purge.stdout).toContain('Delete dead letters for good')
    expect(purge.stdout).toMatch(/USAGE.*dlq purge/)
    expect(purge.stdout).toContain('--yes')
    const list = await runCli(['dlq', 'list', '--help'])
    expect(list.stdout).toMatch(/USAGE.*dlq list/)
  })
})
