import { spawn } from 'node:child_process'
import { PatchbayError } from '../errors/patchbay-error.ts'
import { flattenLineBatches } from './line-batches.ts'
import { splitLineBatches, splitLines } from './split-lines.ts'

/** How to run an extractor (a Singer tap, an Airbyte source): any executable. */
export interface ExtractorCommand {
  command: string
  args?: readonly string[]
  cwd?: string
  /** The child's environment (default: the host's). */
  env?: NodeJS.ProcessEnv
  /** Kill it (SIGKILL, its whole process group) after this long in all. Default: no limit. */
  timeoutMs?: number
  /** Kill it when it prints nothing for this long while the host is waiting for a line. */
  idleTimeoutMs?: number
  maxLineLength?: number
  /** Each line it writes to stderr (its own logging). */
  onStderr?: (line: string) => void
  /** Aborting kills the extractor; the read then ends with the signal's reason. */
  signal?: AbortSignal
}

const STDERR_TAIL = 10

/**
 * Runs an extractor and yields its stdout as lines, pulling one chunk at a time (a slow
 * consumer blocks the extractor's writes: backpressure through the pipe). The read ends
 * normally only when the extractor exits 0; otherwise it throws, after the lines it did
 * print, `PB_EXTRACT_FAILED` (non-zero exit or killed by a signal, with the last lines of
 * its stderr), `PB_EXTRACT_TIMEOUT` (timeoutMs or idleTimeoutMs ran out; it was SIGKILLed)
 * or `PB_EXTRACT_SPAWN` (it could not start). Leaving the loop early (break, a throw in the
 * consumer) SIGKILLs the extractor and its children.
 *
 * @example
 * for await (const line of runExtractor({ command: 'tap-csv', args: ['--config', 'c.json'] })) parse(line)
 *
 * The lines are also there a chunk of output at a time, through `lineBatchesOf`.
 */
export function runExtractor(cmd: ExtractorCommand): AsyncGenerator<string, void, undefined> {
  return flattenLineBatches(extractorLineBatches(cmd))
}

async function* extractorLineBatches(cmd: ExtractorCommand): AsyncGenerator<string[], void, undefined> {
  const name = [cmd.command, ...(cmd.args ?? [])].join(' ')
  const child = spawn(cmd.command, [...(cmd.args ?? [])], {
    cwd: cmd.cwd,
    env: cmd.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a timeout kills a wrapper script's children too.
    detached: true,
  })
  const tail: string[] = []
  let timedOut: string | undefined
  let spawnError: Error | undefined
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (error) => {
      spawnError = error
      resolve({ code: null, signal: null })
    })
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
  const kill = () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      child.kill('SIGKILL')
    }
  }
  const stopFor = (reason: string) => {
    timedOut ??= reason
    kill()
  }
  const total =
    cmd.timeoutMs === undefined
      ? undefined
      : setTimeout(() => stopFor(`it ran longer than ${cmd.timeoutMs} ms (timeoutMs)`), cmd.timeoutMs)
  const onAbort = () => stopFor(`the sync was stopped (${String(cmd.signal?.reason ?? 'aborted')})`)
  cmd.signal?.addEventListener('abort', onAbort, { once: true })
  // Read to its end whatever it holds: an extractor whose stderr is closed dies of EPIPE
  // (Python does) at its next log line. A line over 64 KiB is cut, not fatal.
  const stderr = (async () => {
    const lines = splitLines(child.stderr!.setEncoding('utf8'), { maxLineLength: 65_536, cut: true })
    for await (const line of lines) {
      tail.push(line)
      if (tail.length > STDERR_TAIL) tail.shift()
      cmd.onStderr?.(line)
    }
  })().catch(() => child.stderr?.resume())
  const idleTimer = () =>
    cmd.idleTimeoutMs === undefined
      ? undefined
      : setTimeout(
          () => stopFor(`it printed nothing for ${cmd.idleTimeoutMs} ms (idleTimeoutMs)`),
          cmd.idleTimeoutMs,
        )

  let lines = 0
  let finished = false
  const batchIterator = splitLineBatches(child.stdout!.setEncoding('utf8'), {
    origin: `${cmd.command} stdout`,
    ...(cmd.maxLineLength !== undefined ? { maxLineLength: cmd.maxLineLength } : {}),
  })
  try {
    for (;;) {
      const idle = idleTimer()
      let next: IteratorResult<string[], void>
      try {
        next = await batchIterator.next()
      } finally {
        clearTimeout(idle)
      }
      if (next.done) break
      lines += next.value.length
      yield next.value
    }
    // Its stdout is closed; a process that does not exit after that is hung too.
    const idle = idleTimer()
    const { code, signal } = await exited.finally(() => clearTimeout(idle))
    await stderr
    finished = true
    const after = lines === 0 ? 'before printing a line' : `after line ${lines}`
    const stderrText = tail.length > 0 ? `; its last stderr lines: ${tail.join(' | ')}` : ''
    const where = { file: `${cmd.command} stdout`, line: lines + 1, details: { command: name } }
    if (spawnError)
      throw new PatchbayError('PB_EXTRACT_SPAWN', `could not start \`${name}\`: ${spawnError.message}`, {
        ...where,
        cause: spawnError,
      })
    if (timedOut)
      throw new PatchbayError(
        'PB_EXTRACT_TIMEOUT',
        `\`${name}\` was killed ${after}: ${timedOut}${stderrText}`,
        where,
      )
    if (code !== 0)
      throw new PatchbayError(
        'PB_EXTRACT_FAILED',
        `\`${name}\` ${signal ? `was killed by ${signal}` : `exited with code ${code}`} ${after}${stderrText}`,
        { ...where, details: { ...where.details, exitCode: code, signal } },
      )
  } finally {
    clearTimeout(total)
    cmd.signal?.removeEventListener('abort', onAbort)
    if (!finished) {
      kill()
      // Unread output would keep the pipe (and so 'close') open.
      child.stdout?.destroy()
      child.stderr?.destroy()
      await exited
    }
  }
}
