import { defineCommand } from 'citty'
import { type Confirm, terminalConfirm } from '../_dlq-confirm.ts'
import { deadLetters, formatCounts, formatDeadLetter, formatTable } from '../_dlq-format.ts'
import { applyTo, type Matched, match, parseId, parseSelection, type Selection } from '../_dlq-selection.ts'
import { type DlqTarget, resolveTarget, withBackend } from '../_dlq-target.ts'
import { EXIT, UsageError } from '../_exit.ts'
import { color, type Output, processOutput } from '../_output.ts'

/**
 * `patchbay dlq list`: a page of dead letters, oldest first, and the totals per destination.
 *
 * @example
 * process.exitCode = await listDeadLetters({ gateway: 'http://127.0.0.1:8080', destination: 'crm' })
 * process.exitCode = await listDeadLetters({ dataDir: './patchbay-data' })
 */
export function listDeadLetters(
  options: DlqTarget & { destination?: string; limit?: number; after?: number; json?: boolean },
  output: Output = processOutput,
): Promise<number> {
  const { destination, limit = 100, after = 0 } = options
  return withBackend(options, output, async (dlq) => {
    const page = await dlq.list({ destinationId: destination, limit: limit + 1, afterId: after })
    const rows = page.slice(0, limit)
    if (options.json) {
      output.out(JSON.stringify(rows))
      return EXIT.ok
    }
    if (rows.length === 0) {
      const which = [destination && `for ${destination}`, after > 0 && `after id ${after}`].filter(Boolean)
      output.out(`No dead letters${which.length > 0 ? ` ${which.join(' ')}` : ''} in ${dlq.where}.`)
      return EXIT.ok
    }
    for (const line of formatTable(rows)) output.out(line)
    const all = await dlq.counts()
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
  options: DlqTarget & { id: number; json?: boolean },
  output: Output = processOutput,
): Promise<number> {
  return withBackend(options, output, async (dlq) => {
    const found = await dlq.get(options.id)
    if (!found) {
      output.err(
        `${color.red('error')} No dead letter ${options.id} in ${dlq.where}: it was replayed or purged, or never existed. \`patchbay dlq list\` shows the ones there are.`,
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
 * The counts per destination of what was matched, and a note when the number moved differs:
 * a running gateway may abort more jobs (or another operator act) between the two requests.
 */
function movedCounts(moved: number, matched: Matched): string {
  const counts = formatCounts(matched.perDestination)
  return moved === matched.total ? counts : `${counts} when counted; the dead letters changed meanwhile`
}

/**
 * `patchbay dlq replay`: moves dead letters back to their destinations' queues (waiting,
 * attempts 0, due now, behind the jobs already queued for their order key). A running
 * gateway delivers them right away; a stopped one when it runs again.
 *
 * @example
 * process.exitCode = await replayDeadLetters({ dataDir, selection: { all: false, destinationId: 'crm' } })
 */
export function replayDeadLetters(
  options: DlqTarget & { selection: Selection; now?: number },
  output: Output = processOutput,
): Promise<number> {
  const { selection } = options
  return withBackend(options, output, async (dlq) => {
    const matched = await match(dlq, selection)
    const code = reportMissing(matched, selection, output)
    if (matched.total === 0) {
      output.out('Nothing to replay: no dead letter matches.')
      return code
    }
    const now = options.now ?? Date.now()
    const replayed = await applyTo(dlq, selection, (selector) => dlq.replay(selector, now))
    const them = replayed === 1 ? 'it' : 'them'
    output.out(
      `Replayed ${deadLetters(replayed)} (${movedCounts(replayed, matched)}): queued again, ${dlq.live ? `the gateway is delivering ${them} now.` : `the gateway will deliver ${them} when it runs.`}`,
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
  options: DlqTarget & { selection: Selection; yes?: boolean },
  output: Output = processOutput,
  confirm: Confirm | undefined = terminalConfirm(),
): Promise<number> {
  const { selection, yes } = options
  if (!yes && !confirm)
    throw new UsageError(
      'dlq purge deletes dead letters for good, and stdin is not a terminal to ask on: pass --yes to confirm',
    )
  return withBackend(options, output, async (dlq) => {
    const matched = await match(dlq, selection)
    const code = reportMissing(matched, selection, output)
    if (matched.total === 0) {
      output.out('Nothing to purge: no dead letter matches.')
      return code
    }
    const what = `${deadLetters(matched.total)} (${formatCounts(matched.perDestination)})`
    if (!yes && !(await confirm!(`Delete ${what} from ${dlq.where} for good?`))) {
      output.out('Nothing purged.')
      return EXIT.failed
    }
    const purged = await applyTo(dlq, selection, (selector) => dlq.purge(selector))
    output.out(`Purged ${deadLetters(purged)} (${movedCounts(purged, matched)}).`)
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

const targetArgs = {
  gateway: {
    type: 'string',
    description:
      'A running gateway, through its admin API, e.g. http://127.0.0.1:8080 (default: $PATCHBAY_GATEWAY_URL). Its admin token comes from $PATCHBAY_ADMIN_TOKEN',
  },
  'data-dir': {
    type: 'string',
    description:
      'A stopped gateway, through its data directory (default: $PATCHBAY_DATA_DIR, else ./patchbay-data)',
  },
  store: {
    type: 'string',
    description:
      'A PostgreSQL queue, e.g. postgres://patchbay@db/patchbay, shared by every gateway node on it, running or not (default: $PATCHBAY_STORE_URL)',
  },
} as const

/** The target the `--gateway`, `--data-dir` and `--store` flags (else the environment) name. */
const targetOf = (args: { gateway?: string; 'data-dir'?: string; store?: string }) =>
  resolveTarget({
    gateway: args.gateway || undefined,
    dataDir: args['data-dir'] || undefined,
    store: args.store || undefined,
  })

const selectorArgs = {
  ...targetArgs,
  ids: { type: 'positional', description: 'Dead letter ids, as dlq list shows them', required: false },
  destination: { type: 'string', description: 'Every dead letter of this destination' },
  all: { type: 'boolean', description: 'Every dead letter of every destination' },
} as const

const list = defineCommand({
  meta: { name: 'list', description: 'List dead letters, oldest first, with totals per destination' },
  args: {
    ...targetArgs,
    destination: { type: 'string', description: 'Only this destination' },
    limit: { type: 'string', description: 'Dead letters per page (default 100)' },
    after: { type: 'string', description: 'Start after this id (the last one of the previous page)' },
    json: { type: 'boolean', description: 'Print a JSON array' },
  },
  async run({ args }) {
    process.exitCode = await listDeadLetters({
      ...targetOf(args),
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
    ...targetArgs,
    id: { type: 'positional', description: 'The dead letter id', required: true },
    json: { type: 'boolean', description: 'Print JSON' },
  },
  async run({ args }) {
    process.exitCode = await showDeadLetter({
      ...targetOf(args),
      id: parseId(args.id),
      json: Boolean(args.json),
    })
  },
})

const replay = defineCommand({
  meta: {
    name: 'replay',
    description:
      'Queue dead letters again; a running gateway delivers them at once, a stopped one when it runs',
  },
  args: selectorArgs,
  async run({ args }) {
    process.exitCode = await replayDeadLetters({
      ...targetOf(args),
      selection: parseSelection('replay', { ids: args._, destination: args.destination, all: args.all }),
    })
  },
})

const purge = defineCommand({
  meta: { name: 'purge', description: 'Delete dead letters for good (asks first unless --yes)' },
  args: { ...selectorArgs, yes: { type: 'boolean', description: 'Do not ask; required without a terminal' } },
  async run({ args }) {
    process.exitCode = await purgeDeadLetters({
      ...targetOf(args),
      selection: parseSelection('purge', { ids: args._, destination: args.destination, all: args.all }),
      yes: Boolean(args.yes),
    })
  },
})

export default defineCommand({
  meta: {
    name: 'dlq',
    description: `Inspect, replay and purge the gateway's dead letters: delivery jobs it gave up on.

A running gateway: --gateway URL (or PATCHBAY_GATEWAY_URL), with PATCHBAY_ADMIN_TOKEN set to the
admin token it was started with (patchbay serve turns its admin API on with PATCHBAY_ADMIN_TOKEN).
A stopped gateway: --data-dir DIR (default $PATCHBAY_DATA_DIR, else ./patchbay-data).
Gateways on PostgreSQL: --store postgres://user@host/db, running or not.

Usage (each takes --gateway URL, --data-dir DIR or --store postgres://...):
  patchbay dlq list [--destination ID] [--limit N] [--after ID] [--json]
  patchbay dlq show <id> [--json]
  patchbay dlq replay (<id>... | --destination ID | --all)
  patchbay dlq purge (<id>... | --destination ID | --all) [--yes]

Examples:
  PATCHBAY_ADMIN_TOKEN=... patchbay dlq list --gateway http://127.0.0.1:8080
  patchbay dlq list --data-dir /var/lib/patchbay
  patchbay dlq list --destination crm --json
  patchbay dlq show 42
  patchbay dlq replay 42 43
  patchbay dlq replay --destination crm
  patchbay dlq purge --all --yes`,
  },
  subCommands: { list, show, replay, purge },
})
