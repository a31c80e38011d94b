/**
 * The entry point of a sandbox worker process (forked by the host with `--no-node-snapshot`
 * and a capped heap). It holds the isolates, runs one message at a time in arrival order, and
 * exits when the host goes away (IPC disconnect), so a worker never outlives its host.
 */
import { loadIvm } from '../_ivm.ts'
import { WorkerTransforms } from './_transforms.ts'
import type { HostMessage, WorkerMessage } from './protocol.ts'

const send = (message: WorkerMessage) => {
  if (process.connected) process.send!(message)
}

process.on('disconnect', () => process.exit(0))

let transforms: WorkerTransforms | undefined
const queue: HostMessage[] = []
let working = false

async function handle(message: HostMessage): Promise<void> {
  switch (message.t) {
    case 'init': {
      transforms = new WorkerTransforms(loadIvm(), message)
      const beat = () =>
        send({
          t: 'beat',
          rss: process.memoryUsage.rss(),
          heapUsed: process.memoryUsage().heapUsed,
          isolateHeap: transforms!.isolateHeap(),
        })
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
      const outcome = await transforms!.run(message)
      send({ t: 'done', id: message.id, outcome })
      return
    }
    case 'unload':
      transforms?.unload(message.transform)
      return
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
  queue.push(message)
  void drain()
})
send({ t: 'ready' })
