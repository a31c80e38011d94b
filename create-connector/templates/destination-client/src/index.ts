import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import {
  AbortedError,
  ConfigurationError,
  defineClientDestination,
  type PatchbayError,
  RetryableError,
} from '@patchbay/core'
import Type from 'typebox'
import pkg from '../package.json' with { type: 'json' }

// A client destination owns its delivery: `open` makes a long-lived client (here a JSON Lines
// file and the ids it holds; for a database, a connection pool), `deliverBatch` writes a batch
// with it, `close` releases it. Retries, backoff, durable jobs and dead letters are Patchbay's:
// `classify` only says which errors another attempt may fix.

/** What users write under `config:` in a pipeline. Mark credentials with Secret(...). */
const config = Type.Object({
  path: Type.String({
    minLength: 1,
    default: './events.jsonl',
    description: 'The JSON Lines file the events go to (created if missing), one line per messageId',
  }),
})

/** The open client: the file, the ids already in it, and the write in progress. */
interface Client {
  path: string
  ids: Set<string>
  /** Batches are written one at a time, so two of them never both write one id. */
  queue: Promise<unknown>
}

/** Errors another attempt may fix: the network, a busy or full disk. */
const RETRYABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EAGAIN',
  'EBUSY',
  'EMFILE',
  'ENFILE',
  'ENOSPC',
])
/** Errors only a config change fixes. */
const CONFIGURATION = new Set(['EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR'])

/**
 * A driver error as a Patchbay error: retryable ones are retried with backoff, the others
 * fail the batch's events (they become dead letters). With a database driver, match its
 * codes here (e.g. SQLSTATE class 08 retryable, 23 not).
 */
export function classify(error: unknown): PatchbayError {
  const code = String((error as { code?: unknown } | null)?.code ?? '')
  const message = error instanceof Error ? error.message : String(error)
  if (RETRYABLE.has(code)) return new RetryableError(`writing events failed: ${message}`, { cause: error })
  if (CONFIGURATION.has(code))
    return new ConfigurationError(`cannot write the events file: ${message}`, {
      cause: error,
      hint: 'Check `path` and that this process may write there.',
    })
  return new AbortedError(`writing events failed: ${message}`, { cause: error })
}

/** {{description}} */
export default defineClientDestination({
  name: pkg.name,
  version: pkg.version,
  apiVersion: 2,
  title: '{{title}}',
  description: pkg.description,
  config,
  examples: [{ path: './events.jsonl' }],
  supports: ['track', 'identify'],
  batch: () => ({ maxEvents: 1_000, maxBytes: 5_000_000 }),
  /** Once per destination, before the first batch; again after an open that failed. */
  async open(config): Promise<Client> {
    const path = resolve(config.path)
    await mkdir(dirname(path), { recursive: true })
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return ''
      throw error
    })
    const ids = new Set<string>()
    for (const line of text.split('\n')) {
      try {
        ids.add((JSON.parse(line) as { messageId: string }).messageId)
      } catch {
        // a line a crash cut short: its event comes again (delivery is at-least-once)
      }
    }
    // After a cut-short line, the next one starts on a line of its own.
    if (text !== '' && !text.endsWith('\n')) await appendFile(path, '\n')
    return { path, ids, queue: Promise.resolve() }
  },
  classify,
  /**
   * One result per event: null delivered, a PatchbayError failed. An event already in the
   * file (a retried batch, a repeat) is delivered again without a second line: loads are
   * idempotent on messageId.
   */
  async deliverBatch(events, { client }) {
    const write = client.queue.then(async () => {
      const fresh = new Map<string, unknown>()
      for (const event of events)
        if (!client.ids.has(event.messageId!) && !fresh.has(event.messageId!)) fresh.set(event.messageId!, event)
      if (fresh.size > 0) {
        const lines = [...fresh.values()].map((event) => `${JSON.stringify(event)}\n`).join('')
        await appendFile(client.path, lines)
        for (const id of fresh.keys()) client.ids.add(id)
      }
      return events.map(() => null)
    })
    client.queue = write.catch(() => undefined)
    return write
  },
  close(client) {
    client.ids.clear()
  },
})
