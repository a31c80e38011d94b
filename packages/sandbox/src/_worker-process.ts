import './error-codes.ts'
import { type ChildProcess, fork } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { IdentityServer } from './_identity-host.ts'
import {
  closeSlotFiles,
  openSlotFiles,
  readSlot,
  SLOTS,
  slotPayload,
  trimSlot,
  writeSlot,
} from './_slot-files.ts'
import {
  type BatchOutcome,
  checkWorkerMessage,
  type InitMessage,
  type LoadError,
  type LoadMessage,
  type RunMessage,
  type WorkerMessage,
} from './_worker/protocol.ts'
import type { LookupIdentity } from './types.ts'

/** A worker's message as the host settles it: any output in a slot file already read. */
type Received = Exclude<WorkerMessage, { t: 'done' }> | { t: 'done'; id: number; outcome: BatchOutcome }

/** Why the host ended a worker: the batch it was running fails with this code. */
export type KillReason = {
  code: 'PB_SANDBOX_TIMEOUT' | 'PB_SANDBOX_MEMORY_LIMIT' | 'PB_SANDBOX_CRASHED'
  message: string
}

export type LoadAnswer =
  | { ok: true; kind: 'transformEvent' | 'transformBatch' | 'transformLine' }
  | { ok: false; error: LoadError }
/** `requeue`: the worker died before it started this request; send it to another worker. */
export type Answer<T> = T | { requeue: true }

interface Pending {
  id: number
  /** How long the worker may take once this request is at the head of its queue. */
  timeoutMs: number
  /** `lookupIdentity` calls the batch may make (0 for a load). */
  lookups: number
  /** The slot file this request owns until it settles (see _slot-files.ts). */
  slot: number | undefined
  settle(value: Received | { requeue: true } | { killed: KillReason }): void
}

const here = import.meta.url
/** In development the sources run directly (Node strips the types); published, the built file. */
const DEV = here.endsWith('.ts')
const ENTRY = new URL(DEV ? './_worker/main.ts' : './_worker.js', here)
const PAGE = 4096
/** How long a new worker may take to start (Node, isolated-vm) before it is given up on. */
const STARTUP_TIMEOUT_MS = 30_000

export interface WorkerProcessOptions {
  init: Omit<InitMessage, 't'>
  /** Resident memory the worker may use: a base plus this much per transform it holds. */
  memoryCap: (transforms: number) => number
  heartbeatTimeoutMs: number
  /** Answers user code's `lookupIdentity`; without it the worker never asks. */
  lookupIdentity?: LookupIdentity | undefined
  onExit: (worker: WorkerProcess) => void
}

/**
 * One sandbox worker process, seen from the host: a FIFO of requests (the worker answers them
 * in order), a wall-clock timer on the request at the head, a heartbeat and a resident-memory
 * watchdog. Whatever goes wrong (a timer fires, memory runs over, the heartbeat stops, the
 * process dies) ends in SIGKILL: the head request fails with the reason, the requests queued
 * behind it are handed back to be sent elsewhere, and the pool starts a fresh worker.
 */
export class WorkerProcess {
  readonly child: ChildProcess
  readonly loaded = new Set<number>()
  readonly #queue: Pending[] = []
  readonly #options: WorkerProcessOptions
  #nextId = 1
  #timer: NodeJS.Timeout | undefined
  #killed: KillReason | undefined
  #lastHeard = performance.now()
  #ready = false
  /** Identity lookups the head request has made. */
  #lookupsUsed = 0
  readonly #identity: IdentityServer | undefined
  /** The worker's slot files (undefined: every payload crosses inline), and which are taken. */
  #slots: number[] | undefined
  readonly #slotTaken: boolean[] = new Array(SLOTS).fill(false)
  alive = true
  /** Operations the pool gave this worker that have not finished (a load and its run count once). */
  assigned = 0
  /** Takes no new requests: it is replaced once those it has are done (see the pool's recycling). */
  draining = false
  /** It declined a request (its memory was past the request's `maxRss`): the pool recycles it. */
  declined = false
  rss = 0
  heapUsed = 0
  external = 0
  isolateHeap = 0

  constructor(options: WorkerProcessOptions) {
    this.#options = options
    this.#identity =
      options.lookupIdentity &&
      new IdentityServer(options.lookupIdentity, (q, json) => {
        if (!this.alive) return
        try {
          this.#post({ t: 'identity-answer', q, json })
        } catch {
          // the worker is going away
        }
      })
    const heapMb = 256
    this.#slots = openSlotFiles()
    this.child = fork(ENTRY, [], {
      execArgv: [
        '--no-node-snapshot',
        // For the worker's own full collections (see OUTPUT_PER_COLLECTION in _worker/main.ts).
        '--expose-gc',
        `--max-old-space-size=${heapMb}`,
        ...(DEV ? ['--conditions=@patchbay/source', '--disable-warning=ExperimentalWarning'] : []),
      ],
      serialization: 'advanced',
      // The slot files become the worker's descriptors FIRST_SLOT_FD, FIRST_SLOT_FD + 1, ...
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', ...(this.#slots ?? [])],
    })
    // An idle worker does not keep the host alive; one with work in flight does (see #hold).
    this.child.unref()
    this.child.channel?.unref()
    this.child.on('message', (message: unknown) => this.#receive(message))
    this.child.on('exit', (code, signal) => this.#exited(code, signal))
    this.child.on('error', () =>
      this.kill({ code: 'PB_SANDBOX_CRASHED', message: 'the worker process failed to start' }),
    )
    this.#post({ t: 'init', ...options.init, ...(this.#slots ? { slots: this.#slots.length } : {}) })
  }

  /** Requests sent and not answered yet (the head one is running). */
  get inflight(): number {
    return this.#queue.length
  }

  #post(message: object): boolean {
    return this.child.send(message)
  }

  /**
   * A run request with a slot file of its own when one is free: a long string of log lines
   * goes there (see _slot-files.ts), and a long answer may come back there.
   */
  #slotted(message: RunMessage): RunMessage {
    const slot = this.#slots ? this.#slotTaken.indexOf(false) : -1
    if (slot === -1) return message
    const payload = slotPayload(message.events)
    this.#slotTaken[slot] = true
    if (payload && writeSlot(this.#slots![slot]!, payload)) {
      const { events: _, ...rest } = message
      return { ...rest, slot, file: payload.length }
    }
    return { ...message, slot }
  }

  #freeSlot(pending: Pending): void {
    if (pending.slot !== undefined) this.#slotTaken[pending.slot] = false
  }

  #request<T>(
    unslotted: LoadMessage | RunMessage,
    timeoutMs: number,
  ): Promise<T | { requeue: true } | { killed: KillReason }> {
    return new Promise((resolve) => {
      const message = unslotted.t === 'run' && this.alive ? this.#slotted(unslotted) : unslotted
      const pending: Pending = {
        id: message.id,
        timeoutMs,
        lookups: message.t === 'run' ? (message.lookups ?? 0) : 0,
        slot: message.t === 'run' ? message.slot : undefined,
        settle: resolve as Pending['settle'],
      }
      this.#queue.push(pending)
      try {
        this.#post(message)
      } catch (error) {
        // Not cloneable (a function in an event): nothing was sent.
        this.#queue.splice(this.#queue.indexOf(pending), 1)
        this.#freeSlot(pending)
        throw error
      }
      if (this.#queue.length === 1) {
        this.#hold(true)
        this.#arm()
      }
    })
  }

  /** Keeps the host's event loop alive while requests are in flight, and only then. */
  #hold(on: boolean): void {
    if (on) {
      this.child.ref()
      this.child.channel?.ref()
    } else {
      this.child.unref()
      this.child.channel?.unref()
    }
  }

  #arm(): void {
    clearTimeout(this.#timer)
    const head = this.#queue[0]
    if (!head) return
    // A request's time starts when the worker is up: starting Node is not the batch's fault.
    if (!this.#ready) {
      this.#timer = setTimeout(
        () =>
          this.kill({
            code: 'PB_SANDBOX_CRASHED',
            message: `the sandbox worker did not start within ${STARTUP_TIMEOUT_MS} ms`,
          }),
        STARTUP_TIMEOUT_MS,
      )
      return
    }
    this.#timer = setTimeout(
      () =>
        this.kill({
          code: 'PB_SANDBOX_TIMEOUT',
          message: `the sandbox worker did not answer within ${head.timeoutMs} ms (code that ignores the time limit, such as a huge built-in call or a hostile error getter); it was killed and replaced`,
        }),
      head.timeoutMs,
    )
  }

  async load(
    message: Omit<LoadMessage, 't' | 'id'>,
    timeoutMs: number,
  ): Promise<Answer<LoadAnswer> | { killed: KillReason }> {
    const answer = await this.#request<Received>({ t: 'load', id: this.#nextId++, ...message }, timeoutMs)
    if ('requeue' in answer || 'killed' in answer) return answer
    if (answer.t === 'loaded') {
      this.loaded.add(message.transform)
      return { ok: true, kind: answer.kind }
    }
    if (answer.t === 'load-failed') return { ok: false, error: answer.error }
    return {
      killed: { code: 'PB_SANDBOX_CRASHED', message: 'the worker answered a load with something else' },
    }
  }

  async run(message: Omit<RunMessage, 't' | 'id'>, timeoutMs: number): Promise<Answer<BatchOutcome>> {
    const answer = await this.#request<Received>({ t: 'run', id: this.#nextId++, ...message }, timeoutMs)
    if ('requeue' in answer) return answer
    if ('killed' in answer) return { ok: false, failure: { kind: 'worker', ...answer.killed } }
    if (answer.t === 'done') return answer.outcome
    return {
      ok: false,
      failure: { kind: 'internal', message: 'the worker answered a batch with something else' },
    }
  }

  unload(transform: number): void {
    if (!this.loaded.delete(transform) || !this.alive) return
    try {
      this.#post({ t: 'unload', transform })
    } catch {
      // the worker is going away
    }
  }

  #receive(raw: unknown): void {
    this.#lastHeard = performance.now()
    if (!checkWorkerMessage.Check(raw)) {
      this.kill({ code: 'PB_SANDBOX_CRASHED', message: 'the sandbox worker sent a malformed message' })
      return
    }
    const message = raw as WorkerMessage
    if (message.t === 'beat') {
      this.rss = message.rss
      this.heapUsed = message.heapUsed
      this.external = message.external
      this.isolateHeap = message.isolateHeap
      this.#checkMemory(message.rss)
      return
    }
    if (message.t === 'ready') {
      this.#ready = true
      this.#arm()
      return
    }
    if (message.t === 'identity') {
      this.#lookup(message.q, message.key)
      return
    }
    const head = this.#queue[0]
    if (!head || head.id !== message.id) {
      this.kill({ code: 'PB_SANDBOX_CRASHED', message: 'the sandbox worker answered out of order' })
      return
    }
    // An output in the request's slot file is read now, before the slot can be taken again.
    let answer: Received
    if (message.t === 'done' && 'file' in message.outcome) {
      const { file, ...rest } = message.outcome
      const output = this.#readSlot(head.slot, file)
      if (output === undefined) {
        this.kill({ code: 'PB_SANDBOX_CRASHED', message: 'the sandbox worker sent a malformed answer' })
        return
      }
      answer = { ...message, outcome: { ...rest, output } }
    } else answer = message as Received
    this.#queue.shift()
    this.#freeSlot(head)
    this.#lookupsUsed = 0
    this.#identity?.reset()
    if (this.#queue.length === 0) this.#hold(false)
    this.#arm()
    if (message.t === 'declined') {
      this.declined = true
      head.settle({ requeue: true })
      return
    }
    head.settle(answer)
  }

  /** The output string a worker wrote to a slot file, or undefined when it is not there. */
  #readSlot(slot: number | undefined, length: number): string | undefined {
    const fd = slot === undefined ? undefined : this.#slots?.[slot]
    if (fd === undefined) return undefined
    let output: unknown
    try {
      // An output string of batchOutputLimitBytes characters serializes to at most twice that.
      output = readSlot(fd, length, 2 * this.#options.init.batchOutputLimitBytes + 64)
    } catch {
      return undefined
    }
    trimSlot(fd, length)
    return typeof output === 'string' ? output : undefined
  }

  /**
   * A lookup from the batch at the head of the queue. The worker enforces the batch's budget
   * itself; one that asks for more (or asks with no batch running) is not the worker we
   * started, and is killed.
   */
  #lookup(q: number, key: string): void {
    const head = this.#queue[0]
    if (!this.#identity || !head || this.#lookupsUsed >= head.lookups) {
      this.kill({
        code: 'PB_SANDBOX_CRASHED',
        message:
          'the sandbox worker asked for more identity lookups than its batch allows; it was killed and replaced',
      })
      return
    }
    this.#lookupsUsed++
    this.#identity.ask(q, key, head.timeoutMs)
  }

  #checkMemory(rss: number): void {
    const cap = this.#options.memoryCap(this.loaded.size)
    if (rss > cap)
      this.kill({
        code: 'PB_SANDBOX_MEMORY_LIMIT',
        message: `the sandbox worker used ${Math.round(rss / 2 ** 20)} MB of memory, over its cap of ${Math.round(cap / 2 ** 20)} MB (memory outside the isolate heap counts too); it was killed and replaced`,
      })
  }

  /**
   * Called by the pool's watchdog tick: reads the worker's resident memory from /proc (the
   * worker itself may be stuck in a call), and checks the heartbeat of an idle worker.
   */
  async watch(now: number): Promise<void> {
    if (!this.alive) return
    if (this.#ready && this.#queue.length === 0 && now - this.#lastHeard > this.#options.heartbeatTimeoutMs) {
      this.kill({
        code: 'PB_SANDBOX_CRASHED',
        message: `the sandbox worker missed its heartbeat for ${this.#options.heartbeatTimeoutMs} ms; it was killed and replaced`,
      })
      return
    }
    if (this.#queue.length === 0 || this.child.pid === undefined) return
    try {
      const statm = await readFile(`/proc/${this.child.pid}/statm`, 'utf8')
      const pages = Number(statm.split(' ')[1])
      if (Number.isFinite(pages)) {
        this.rss = pages * PAGE
        this.#checkMemory(this.rss)
      }
    } catch {
      // not Linux, or the process is gone: the heartbeat's figure is all there is
    }
  }

  /** SIGKILL now; the head request fails with `reason` once the process has exited. */
  kill(reason: KillReason): void {
    if (!this.alive) return
    this.#killed ??= reason
    this.alive = false
    clearTimeout(this.#timer)
    // Held until its exit is seen, so whoever awaits it is answered.
    this.child.ref()
    this.child.kill('SIGKILL')
  }

  #exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.alive = false
    clearTimeout(this.#timer)
    const reason: KillReason = this.#killed ?? {
      code: 'PB_SANDBOX_CRASHED',
      message: `the sandbox worker process exited (${signal ? `signal ${signal}` : `code ${code}`}) in the middle of its work, probably a V8 fatal error such as running out of memory inside one built-in call; it was replaced`,
    }
    const [head, ...rest] = this.#queue.splice(0)
    // Forgotten as they are closed: a descriptor number can be reused by the next file opened.
    closeSlotFiles(this.#slots)
    this.#slots = undefined
    head?.settle({ killed: reason })
    for (const p of rest) p.settle({ requeue: true })
    this.#options.onExit(this)
  }
}
