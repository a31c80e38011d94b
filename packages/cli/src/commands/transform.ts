import { readFile } from 'node:fs/promises'
import { ConfigurationError, type StepResult } from '@patchbay/core'
import type { SandboxLog, SandboxOptions } from '@patchbay/sandbox'
import { defineCommand } from 'citty'
import { EXIT, UsageError } from '../_exit.ts'
import { color, type Output, processOutput } from '../_output.ts'
import { readJsonl } from '../_read-events.ts'

export interface TransformOptions {
  /** The user transform file (.js or .ts). */
  code: string
  /** Events as JSON lines; `-` reads stdin. */
  input: string
  json?: boolean
  limitMb?: number
  timeoutMs?: number
  batchSize?: number
  /** Hosts `fetch` may reach. */
  allowFetch?: string[]
  /** Egress rules beyond public addresses (a loopback mock server): `egress.allow` entries. */
  allowEgress?: string[]
  sourceId?: string
  destinationId?: string
}

/** What happened to one input line, as `--json` reports it. */
interface LineResult {
  line: number
  messageId?: string
  status: 'ok' | 'dropped' | 'failed'
  events?: unknown[]
  error?: unknown
}

function messageIdOf(event: unknown): string | undefined {
  const id =
    typeof event === 'object' && event !== null ? (event as { messageId?: unknown }).messageId : undefined
  return typeof id === 'string' ? id : undefined
}

function formatLog(log: SandboxLog): string {
  const level =
    log.level === 'error'
      ? color.red('error')
      : log.level === 'warn'
        ? color.yellow('warn ')
        : color.dim(log.level.padEnd(5))
  return `${level} ${log.messageId ? color.dim(`[${log.messageId}] `) : ''}${log.message}`
}

/**
 * `patchbay transform`: runs a user transform over a file of events, the way a pipeline
 * would, and prints the output events (JSONL on stdout), the captured logs and every
 * per-event error with its source location (stderr). Exit 1 when any event failed.
 */
export async function transformFile(
  options: TransformOptions,
  output: Output = processOutput,
): Promise<number> {
  let code: string
  try {
    code = await readFile(options.code, 'utf8')
  } catch (error) {
    throw new ConfigurationError(
      `cannot read the transform file ${options.code}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      {
        file: options.code,
        hint: 'Give the path of a .js or .ts file that exports transformEvent or transformBatch.',
      },
    )
  }
  const { createSandbox } = await import('@patchbay/sandbox')
  const sandboxOptions: SandboxOptions = {}
  if (options.limitMb !== undefined) sandboxOptions.memoryLimitMb = options.limitMb
  if (options.timeoutMs !== undefined) {
    sandboxOptions.cpuTimeMs = options.timeoutMs
    sandboxOptions.wallTimeMs = options.timeoutMs
  }
  if (options.allowFetch?.length) sandboxOptions.fetch = { allow: options.allowFetch }
  if (options.allowEgress?.length) sandboxOptions.egress = { allow: options.allowEgress }
  const sandbox = createSandbox(sandboxOptions)
  try {
    const transform = await sandbox.compile(code, { filename: options.code })
    const metadata = { sourceId: options.sourceId, destinationId: options.destinationId }
    const counts = { in: 0, out: 0, dropped: 0, failed: 0, unreadable: 0 }
    const lines: LineResult[] = []
    const logs: SandboxLog[] = []
    const inputName = options.input === '-' ? 'stdin' : options.input
    for await (const batch of readJsonl(options.input, options.batchSize ?? 100)) {
      for (const bad of batch.bad) {
        counts.unreadable++
        if (!options.json) output.err(`${color.red('input')} ${bad.message}`)
      }
      if (batch.events.length === 0) continue
      const run = await transform.run(batch.events, metadata)
      counts.in += batch.events.length
      if (options.json) logs.push(...run.logs)
      else for (const log of run.logs) output.err(formatLog(log))
      run.results.forEach((result: StepResult, i) => {
        const line = batch.lines[i]!
        const messageId = messageIdOf(batch.events[i])
        if (!result.ok) {
          counts.failed++
          if (options.json) lines.push({ line, messageId, status: 'failed', error: result.error.toJSON() })
          else
            output.err(
              `${color.red('error')} ${inputName}:${line} ${result.error.code}: ${result.error.message}`,
            )
          return
        }
        if (result.events.length === 0) counts.dropped++
        counts.out += result.events.length
        if (options.json)
          lines.push({
            line,
            messageId,
            status: result.events.length ? 'ok' : 'dropped',
            events: result.events,
          })
        else for (const event of result.events) output.out(JSON.stringify(event))
      })
    }
    const ok = counts.failed === 0 && counts.unreadable === 0
    if (options.json) {
      output.out(
        JSON.stringify({
          ok,
          file: options.code,
          kind: transform.kind,
          summary: counts,
          results: lines,
          logs,
        }),
      )
    } else {
      const failed = counts.failed ? color.red(`${counts.failed} failed`) : '0 failed'
      output.err(
        color.dim(
          `${counts.in} events in${counts.unreadable ? ` (+${counts.unreadable} unreadable lines)` : ''}: ${counts.out} out, ${counts.dropped} dropped, `,
        ) + failed,
      )
    }
    return ok ? EXIT.ok : EXIT.failed
  } finally {
    await sandbox.dispose()
  }
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a positive integer, got "${value}"`)
  return n
}

export default defineCommand({
  meta: {
    name: 'transform',
    description: `Run a user transform (JavaScript or TypeScript) over a file of events, in the same sandbox
pipelines use. Output events go to stdout as JSON lines; logs and per-event errors, with
file:line:column in your code, go to stderr.

Examples:
  patchbay transform enrich.ts --input events.jsonl
  patchbay transform docs/examples/transforms/hash-pii.js --input docs/examples/transforms/events.jsonl
  cat events.jsonl | patchbay transform filter.js --input - > kept.jsonl
  patchbay transform lookup.js --input events.jsonl --allow-fetch api.example.com --timeout-ms 5000
  patchbay transform lookup.js --input events.jsonl --allow-fetch 127.0.0.1:3000 --allow-egress 127.0.0.1
  patchbay transform enrich.ts --input events.jsonl --json

Exit codes: 0 every event transformed or dropped, 1 some events failed or lines were unreadable,
2 the transform does not compile, or bad usage.`,
  },
  args: {
    code: { type: 'positional', description: 'The transform file (.js or .ts)', required: true },
    input: { type: 'string', alias: 'i', description: 'Events as JSON lines; - reads stdin', required: true },
    'limit-mb': { type: 'string', description: 'Memory limit of the sandbox in MB (default 128)' },
    'timeout-ms': {
      type: 'string',
      description: 'Time limit per batch in ms, CPU and wall clock (default 1000 / 10000)',
    },
    'batch-size': { type: 'string', description: 'Events per batch', default: '100' },
    'allow-fetch': {
      type: 'string',
      description:
        'Comma-separated hosts fetch may reach, as host or host:port (default: none; without a port only 80 and 443)',
    },
    'allow-egress': {
      type: 'string',
      description:
        'Comma-separated egress.allow rules (address, CIDR or host name) fetch may connect to beyond public addresses, e.g. 127.0.0.1 for a local mock server',
    },
    'source-id': { type: 'string', description: 'sourceId that metadata(event) returns' },
    'destination-id': { type: 'string', description: 'destinationId that metadata(event) returns' },
    json: { type: 'boolean', description: 'Print one JSON document: summary, per-line results and logs' },
  },
  async run({ args }) {
    const limitMb = positiveInt('limit-mb', args['limit-mb'])
    if (limitMb !== undefined && limitMb < 8)
      throw new UsageError(`--limit-mb must be at least 8, got ${limitMb}`)
    process.exitCode = await transformFile({
      code: args.code,
      input: args.input,
      json: args.json,
      limitMb,
      timeoutMs: positiveInt('timeout-ms', args['timeout-ms']),
      batchSize: positiveInt('batch-size', args['batch-size']),
      allowFetch: list(args['allow-fetch']),
      allowEgress: list(args['allow-egress']),
      sourceId: args['source-id'],
      destinationId: args['destination-id'],
    })
  },
})

const list = (given: string | undefined) =>
  given
    ?.split(',')
    .map((h) => h.trim())
    .filter(Boolean)
