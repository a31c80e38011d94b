import { defineCommand } from 'citty'
import { type Confirm, terminalConfirm } from '../_dlq-confirm.ts'
import { deadLetters, formatCounts, formatDeadLetter, formatTable } from '../_dlq-format.ts'
import { applyTo, type Matched, match, parseId, parseSelection, type Selection } from '../_dlq-selection.ts'
import { resolveDataDir, withStore } from '../_dlq-store.ts'
import { EXIT, UsageError } from '../_exit.ts'
import { color, type Output, processOutput } from '../_output.ts'

/**
 * `patchbay dlq list`: a page of dead letters, oldest first, and the totals per destination.
 *
 * @example
 * process.exitCode = await listDeadLetters({ dataDir: './patchbay-data', destination: 'crm' })
 */
export function listDeadLetters(
  options: { dataDir: string; destination?: string; limit?: number; after?: number; json?: boolean },
  output: Output = processOutput,
): Promise<number> {
  const { dataDir, destination, limit = 100, after = 0 } = options
  return withStore(dataDir, output, (store) => {
    const page = store.deadLetters.list({ destinationId: destination, limit: limit + 1, afterId: after })
    const rows = page.slice(0, limit)
    if (options.json) {
      output.out(JSON.stringify(rows))
      return EXIT.ok
    }
    if (rows.length === 0) {
      const which = [destination && `for ${destination}`, after > 0 && `after id ${after}`].filter(Boolean)
      output.out(`No dead letters${which.length > 0 ? ` ${which.join(' ')}` : ''} in ${dataDir}.`)
      return EXIT.ok
    }
    for (const line of formatTable(rows)) output.out(line)
    const all = store.stats().deadLetters
    const counts = destination ? { [destination]: all[destination] ?? 0 } : all
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0)
    output.out(color.dim(`\n${deadLetters(total)} in all: ${formatCounts(counts)}`))
    if (page.length > limit)
      output.out(
        color.dim(`More after id ${rows.at(-1)!.id}: run the same command with --after ${rows.at(-1)!.id}`),
      )
    return EXIT.ok
  })
}

/**
 * `patchbay dlq show`: one dead letter in full, its payload pretty-printed. Exit code 1 when
 * there is no such dead letter.
 *
 * @example
 * process.exitCode = await showDeadLetter({ dataDir: './patchbay-data', id: 42 })
 */
export function showDeadLetter(
  options: { dataDir: string; id: number; json?: boolean },
  output: Output = processOutput,
): Promise<number> {
  return withStore(options.dataDir, output, (store) => {
    const found = store.deadLetters.get(options.id)
    if (!found) {
      output.err(
        `${color.red('error')} No dead letter ${options.id} in ${options.dataDir}: it was replayed or purged, or never existed. \`patchbay dlq list\` shows the ones there are.`,
      )
      return EXIT.failed
    }
    if (options.json) output.out(JSON.stringify(found))
    else for (const line of formatDeadLetter(found)) output.out(line)
    return EXIT.ok
  })
}

/** Says which of the ids given matched no dead letter; exit code 1 when some did not. */
function reportMissing(matched: Matched, selection: Selection, output: Output): number {
  if (matched.missingIds.length === 0) return EXIT.ok
  const of = !selection.all && selection.destinationId ? ` of ${selection.destinationId}` : ''
  output.err(
    `${color.yellow('warning')} no dead letter${of} with id ${matched.missingIds.join(', ')} (replayed or purged already, or never there)`,
  )
  return EXIT.failed
}

/**
 * `patchbay dlq replay`: moves dead letters back to their destinations' queues (waiting,
 * attempts 0, due now, behind the jobs already queued for their order key).
 *
 * @example
 * process.exitCode = await replayDeadLetters({ dataDir, selection: { all: false, destinationId: 'crm' } })
 */
export function replayDeadLetters(
  options: { dataDir: string; selection: Selection; now?: number },
  output: Output = processOutput,
): Promise<number> {
  const { dataDir, selection } = options
  return withStore(dataDir, output, (store) => {
    const matched = match(store, selection)
    const code = reportMissing(matched, selection, output)
    if (matched.total === 0) {
      output.out('Nothing to replay: no dead letter matches.')
      return code
    }
    const now = options.now ?? Date.now()
    const replayed = applyTo(store, selection, (selector) => store.deadLetters.replay(selector, now))
    output.out(
      `Replayed ${deadLetters(replayed)} (${formatCounts(matched.perDestination)}): queued again, the gateway will deliver ${replayed === 1 ? 'it' : 'them'} when it runs.`,
    )
    return code
  })
}

/**
 * `patchbay dlq purge`: deletes dead letters for good, after asking (or with `yes`). Without
 * `yes` and without a terminal to ask on, a usage error before anything is opened.
 *
 * @example
 * process.exitCode = await purgeDeadLetters({ dataDir, selection: { all: true }, yes: true })
 */
export async function purgeDeadLetters(
  options: { dataDir: string; selection: Selection; yes?: boolean },
  output: Output = processOutput,
  confirm: Confirm | undefined = terminalConfirm(),
): Promise<number> {
  const { dataDir, selection, yes } = options
  if (!yes && !confirm)
    throw new UsageError(
      'dlq purge deletes dead letters for good, and stdin is not a terminal to ask on: pass --yes to confirm',
    )
  return withStore(dataDir, output, async (store) => {
    const matched = match(store, selection)
    const code = reportMissing(matched, selection, output)
    if (matched.total === 0) {
      output.out('Nothing to purge: no dead letter matches.')
      return code
    }
    const what = `${deadLetters(matched.total)} (${formatCounts(matched.perDestination)})`
    if (!yes && !(await confirm!(`Delete ${what} from ${dataDir} for good?`))) {
      output.out('Nothing purged.')
      return EXIT.failed
    }
    const purged = applyTo(store, selection, (selector) => store.deadLetters.purge(selector))
    output.out(`Purged ${deadLetters(purged)} (${formatCounts(matched.perDestination)}).`)
    return code
  })
}

/** A whole number flag of at least `min`, or a usage error naming the flag. */
function wholeNumber(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(`--${flag} must be a whole number of at least ${min}, got "${text}"`)
  return n
}

const dataDirArg = {
  'data-dir': {
    type: 'string',
    description: 'The gateway data directory (default: $PATCHBAY_DATA_DIR, else ./patchbay-data)',
  },
} as const

const selectorArgs = {
  ...dataDirArg,
  ids: { type: 'positional', description: 'Dead letter ids, as dlq list shows them', required: false },
  destination: { type: 'string', description: 'Every dead letter of this destination' },
  all: { type: 'boolean', description: 'Every dead letter of every destination' },
} as const

const list = defineCommand({
  meta: { name: 'list', description: 'List dead letters, oldest first, with totals per destination' },
  args: {
    ...dataDirArg,
    destination: { type: 'string', description: 'Only this destination' },
    limit: { type: 'string', description: 'Dead letters per page (default 100)' },
    after: { type: 'string', description: 'Start after this id (the last one of the previous page)' },
    json: { type: 'boolean', description: 'Print a JSON array' },
  },
  async run({ args }) {
    process.exitCode = await listDeadLetters({
      dataDir: resolveDataDir(args['data-dir']),
      destination: args.destination || undefined,
      limit: wholeNumber('limit', args.limit, 1),
      after: wholeNumber('after', args.after, 0),
      json: Boolean(args.json),
    })
  },
})

const show = defineCommand({
  meta: { name: 'show', description: 'Show one dead letter in full, payload included' },
  args: {
    ...dataDirArg,
    id: { type: 'positional', description: 'The dead letter id', required: true },
    json: { type: 'boolean', description: 'Print JSON' },
  },
  async run({ args }) {
    process.exitCode = await showDeadLetter({
      dataDir: resolveDataDir(args['data-dir']),
      id: parseId(args.id),
      json: Boolean(args.json),
    })
  },
})

const replay = defineCommand({
  meta: { name: 'replay', description: 'Queue dead letters again; the gateway delivers them when it runs' },
  args: selectorArgs,
  async run({ args }) {
    process.exitCode = await replayDeadLetters({
      dataDir: resolveDataDir(args['data-dir']),
      selection: parseSelection('replay', { ids: args._, destination: args.destination, all: args.all }),
    })
  },
})

const purge = defineCommand({
  meta: { name: 'purge', description: 'Delete dead letters for good (asks first unless --yes)' },
  args: { ...selectorArgs, yes: { type: 'boolean', description: 'Do not ask; required without a terminal' } },
  async run({ args }) {
    process.exitCode = await purgeDeadLetters({
      dataDir: resolveDataDir(args['data-dir']),
      selection: parseSelection('purge', { ids: args._, destination: args.destination, all: args.all }),
      yes: Boolean(args.yes),
    })
  },
})

export default defineCommand({
  meta: {
    name: 'dlq',
    description: `Inspect, replay and purge the gateway's dead letters: delivery jobs it gave up on. Stop the gateway first: only one process may open its data directory.

Usage (each also takes --data-dir DIR; default $PATCHBAY_DATA_DIR, else ./patchbay-data):
  patchbay dlq list [--destination ID] [--limit N] [--after ID] [--json]
  patchbay dlq show <id> [--json]
  patchbay dlq replay (<id>... | --destination ID | --all)
  patchbay dlq purge (<id>... | --destination ID | --all) [--yes]

Examples:
  patchbay dlq list --data-dir /var/lib/patchbay
  patchbay dlq list --destination crm --json
  patchbay dlq show 42
  patchbay dlq replay 42 43
  patchbay dlq replay --destination crm
  patchbay dlq purge --all --yes`,
  },
  subCommands: { list, show, replay, purge },
})
