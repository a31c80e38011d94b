/**
 * The entry point of a sandbox worker process (forked by the host with `--no-node-snapshot`
 * and a capped heap). It holds the isolates, runs one message at a time in arrival order, and
 * exits when the host goes away (IPC disconnect), so a worker never outlives its host.
 */
import { serialize, setFlagsFromString } from 'node:v8'
import { loadIvm } from '../_ivm.ts'
import { FILE_MIN_BYTES, FIRST_SLOT_FD, readSlot, writeSlot } from '../_slot-files.ts'
import { WorkerTransforms } from './_transforms.ts'
import type {
  BatchOutcome,
  FiledOutcome,
  HostMessage,
  LoadMessage,
  RunMessage,
  RunWithEvents,
  WorkerMessage,
} from './protocol.ts'

const send = (message: WorkerMessage) => {
  if (process.connected) process.send!(message)
}

/**
 * Output text returned by isolates since the last full collection, and how much of it the
 * worker lets pile up. isolated-vm hands each batch's output (1 KiB or more) to this process
 * as an external string, which only a full garbage collection frees; in a long run none
 * comes by itself, and external memory grows by the size of every output. So the worker
 * collects once this much output has passed through it: memory stays within this bound, at
 * the cost of one full collection of a small heap (a few ms) per 32 MiB of output (about
 * 80,000 events of 400 bytes). The worker runs no user code in its own heap. V8 flags are
 * process-wide, and with `--expose-gc` every isolate's context got a `gc` global too (not
 * configurable, so the runtime cannot delete it): the worker takes its own `gc`, then turns the
 * flag off before any isolate is made.
 */
const OUTPUT_PER_COLLECTION = 32 * 2 ** 20
let outputSinceCollection = 0
const collect = (globalThis as { gc?: () => void }).gc
setFlagsFromString('--no-expose-gc')

function released(output: string): void {
  outputSinceCollection += output.length
  if (outputSinceCollection < OUTPUT_PER_COLLECTION || !collect) return
  outputSinceCollection = 0
  collect()
}

process.on('disconnect', () => process.exit(0))

let transforms: WorkerTransforms | undefined
const queue: HostMessage[] = []
let working = false

/** The transform of the last load or run this process took. */
let lastTransform: number | undefined

/**
 * Whether another transform's batch, just before `message`, left this process past the memory
 * the host allows (memory outside every isolate heap, such as ICU data behind Intl objects kept
 * in module state): then it is declined and sent elsewhere, not run here and blamed for that
 * memory. Memory of its own transform's is never a reason, so a request always runs in a
 * worker that ran nothing else; and the memory is read (a few µs) only when the transform
 * changes, never between batches of one transform.
 */
function overMemory(message: LoadMessage | RunMessage): boolean {
  const other = lastTransform !== undefined && lastTransform !== message.transform
  lastTransform = message.transform
  return other && message.maxRss !== undefined && process.memoryUsage.rss() > message.maxRss
}

/** A request's events: in the message, or in its slot file (see _slot-files.ts). */
function withEvents(message: RunMessage): RunWithEvents {
  if (message.events !== undefined) return message as RunWithEvents
  if (message.file === undefined || message.slot === undefined)
    throw new Error('a run request came with no events')
  const events = readSlot(FIRST_SLOT_FD + message.slot, message.file) as RunWithEvents['events']
  return { ...message, events }
}

/** A long output goes back through the request's slot file; a short one (or a failed write) inline. */
function answer(message: RunMessage, outcome: BatchOutcome): BatchOutcome | FiledOutcome {
  if (!outcome.ok || message.slot === undefined || outcome.output.length < FILE_MIN_BYTES) return outcome
  const bytes = serialize(outcome.output)
  if (!writeSlot(FIRST_SLOT_FD + message.slot, bytes)) return outcome
  const { output: _, ...rest } = outcome
  return { ...rest, file: bytes.length }
}

async function handle(message: HostMessage): Promise<void> {
  if ((message.t === 'load' || message.t === 'run') && overMemory(message)) {
    send({ t: 'declined', id: message.id })
    return
  }
  switch (message.t) {
    case 'init': {
      transforms = new WorkerTransforms(loadIvm(), message, send)
      const beat = () => {
        const memory = process.memoryUsage()
        send({
          t: 'beat',
          rss: memory.rss,
          heapUsed: memory.heapUsed,
          external: memory.external,
          isolateHeap: transforms!.isolateHeap(),
        })
      }
      setInterval(beat, message.heartbeatMs).unref()
      beat()
      return
    }
    case 'load': {
      const loaded = await transforms!.load(message)
      send(
        'kind' in loaded
          ? { t: 'loaded', id: message.id, kind: loaded.kind }
          : { t: 'load-failed', id: message.id, error: loaded.error },
      )
      return
    }
    case 'run': {
      const outcome = await transforms!.run(withEvents(message))
      send({ t: 'done', id: message.id, outcome: answer(message, outcome) })
      // Sent (serialized into the channel), so the output string is garbage now.
      if (outcome.ok) released(outcome.output)
      return
    }
    case 'unload':
      transforms?.unload(message.transform)
      return
    case 'identity-answer':
      return // answered as it arrives, see below
  }
}

// Batches run strictly one after another: a batch awaiting fetch holds the worker, so limits
// and memory are always the running batch's.
async function drain(): Promise<void> {
  if (working) return
  working = true
  try {
    for (let next = queue.shift(); next; next = queue.shift()) {
      try {
        await handle(next)
      } catch (error) {
        // A bug of ours, not user code (that is caught inside): answer, so the host moves on.
        const message = `the sandbox worker failed: ${String((error as Error)?.message ?? error)}`
        if (next.t === 'run')
          send({ t: 'done', id: next.id, outcome: { ok: false, failure: { kind: 'internal', message } } })
        else if (next.t === 'load')
          send({ t: 'load-failed', id: next.id, error: { code: 'PB_TRANSFORM_FAILED', message } })
        else throw error
      }
    }
  } finally {
    working = false
  }
}

process.on('message', (message: HostMessage) => {
  // An identity answer belongs to the batch running now: it cannot wait behind it in the queue.
  if (message.t === 'identity-answer') {
    transforms?.identityAnswer(message.q, message.json)
    return
  }
  queue.push(message)
  void drain()
})
send({ t: 'ready' })
