import { existsSync } from 'node:fs'
import { type IdentitySettings, loadPipelineFile } from '@patchbay/core'
import type { IdentityGraph, IdentityLookup, IdentityStats, IdentityStore } from '@patchbay/identity'
import { defineCommand } from 'citty'
import { DlqRefused } from '../_dlq-backend.ts'
import { openAdminClient } from '../_dlq-gateway.ts'
import { resolveDataDir } from '../_dlq-store.ts'
import { EXIT, UsageError } from '../_exit.ts'
import { color, type Output, processOutput } from '../_output.ts'
import { readJsonl } from '../_read-events.ts'

/**
 * Where the identity commands read the graph: a running gateway's admin API (`gateway`, its
 * admin token from `token`, else PATCHBAY_ADMIN_TOKEN), the PostgreSQL store's database
 * (`store`), or a data directory's `identity.db`.
 */
export interface IdentityTarget {
  dataDir?: string
  /** The pipeline file whose `identity:` block the gateway runs (its caps decide the partition); data directory only. */
  pipeline?: string
  /** A running gateway's URL (default: $PATCHBAY_GATEWAY_URL when no other place is given). */
  gateway?: string
  token?: string
  /** The PostgreSQL store's URL, whose database holds the graph (default: $PATCHBAY_STORE_URL after the gateway's). */
  store?: string
}

function settingsOf(pipeline: string | undefined): IdentitySettings | undefined {
  if (pipeline === undefined) return undefined
  return loadPipelineFile(pipeline).definition.identity
}

async function withGraph(
  target: IdentityTarget,
  write: boolean,
  run: (graph: IdentityGraph, where: string) => Promise<number>,
): Promise<number> {
  const { openIdentityGraph, openPostgresIdentityStore, openSqliteIdentityStore, IDENTITY_DB_FILE } =
    await import('@patchbay/identity')
  let store: IdentityStore
  if (target.store !== undefined) {
    try {
      store = await openPostgresIdentityStore({ url: target.store, readOnly: !write, poolSize: 1 })
    } catch (error) {
      // The message names the URL without its password.
      throw new UsageError(`${(error as Error).message}. Check --store (or PATCHBAY_STORE_URL).`)
    }
  } else {
    const dir = resolveDataDir(target.dataDir)
    if (!write && !existsSync(`${dir}/${IDENTITY_DB_FILE}`))
      throw new UsageError(
        `${dir} holds no identity graph (${IDENTITY_DB_FILE}): pass the data directory of a gateway whose pipeline has an identity: block, with --data-dir or PATCHBAY_DATA_DIR, or a running gateway with --gateway, or the PostgreSQL store with --store (a gateway on PostgreSQL keeps its graph in the database)`,
      )
    store = openSqliteIdentityStore({ dir, readOnly: !write })
  }
  let graph: IdentityGraph
  try {
    graph = await openIdentityGraph({ store, settings: settingsOf(target.pipeline), readOnly: !write })
  } catch (error) {
    await store.close()
    throw error
  }
  try {
    return await run(graph, target.store === undefined ? resolveDataDir(target.dataDir) : store.where)
  } finally {
    await graph.close()
  }
}

/** What `lookup` and `stats` read, from a data directory or a gateway. */
interface IdentityReader {
  /** For messages, after "in": `./patchbay-data` or `the gateway at http://...`. */
  where: string
  lookup(id: string): Promise<IdentityLookup | undefined>
  stats(largest: number): Promise<IdentityStats>
}

/**
 * Runs `use` on the graph the target names. When the gateway cannot be used (unreachable,
 * wrong or missing token, admin API off, no identity: block), prints why: exit code 2.
 */
async function withReader(
  target: IdentityTarget,
  output: Output,
  use: (reader: IdentityReader) => Promise<number>,
): Promise<number> {
  const given = [
    target.gateway && '--gateway',
    target.dataDir && '--data-dir',
    target.store && '--store',
  ].filter(Boolean)
  if (given.length > 1)
    throw new UsageError(
      `${given.join(' and ')} name different places: give --gateway for a running gateway, --data-dir for a data directory, or --store for the PostgreSQL store`,
    )
  const env = given.length === 0 ? process.env : {}
  const gateway = target.gateway || env.PATCHBAY_GATEWAY_URL || undefined
  const store = target.store || (gateway ? undefined : env.PATCHBAY_STORE_URL || undefined)
  if (!gateway)
    return withGraph({ ...target, ...(store ? { store } : {}) }, false, (graph, where) =>
      use({
        where,
        lookup: (id) => graph.lookup(id),
        stats: (largest) => graph.stats({ largest }),
      }),
    )
  if (target.pipeline)
    throw new UsageError(
      '--pipeline reads the settings for a data directory: a gateway stitches with the identity: block of its own pipeline',
    )
  const [{ IdentityLookupSchema, IdentityStatsSchema }, { Value }] = await Promise.all([
    import('@patchbay/identity'),
    import('typebox/value'),
  ])
  try {
    const admin = openAdminClient(gateway, target.token ?? process.env.PATCHBAY_ADMIN_TOKEN)
    return await use({
      where: admin.where,
      async lookup(id) {
        const body = await admin.call(
          'GET',
          `identity/lookup?id=${encodeURIComponent(id)}`,
          undefined,
          'no identifier',
        )
        if (body !== undefined && !Value.Check(IdentityLookupSchema, body))
          throw admin.notTheApi('something other than a person of the identity graph')
        return body as IdentityLookup | undefined
      },
      async stats(largest) {
        const body = await admin.call('GET', `identity/stats?largest=${largest}`)
        if (!Value.Check(IdentityStatsSchema, body))
          throw admin.notTheApi('something other than identity graph statistics')
        return body
      },
    })
  } catch (error) {
    if (!(error instanceof DlqRefused)) throw error
    output.err(`${color.red('error')} ${error.message}`)
    return EXIT.usage
  }
}

/**
 * `patchbay identity lookup`: the person an identifier belongs to: their ids by type, merges
 * and rejected merges. Exit code 1 when the identifier is unknown.
 *
 * @example
 * process.exitCode = await lookupIdentity({ dataDir: './patchbay-data', id: 'email:ada@example.com' })
 */
export function lookupIdentity(
  options: IdentityTarget & { id: string; json?: boolean },
  output: Output = processOutput,
): Promise<number> {
  return withReader(options, output, async (graph) => {
    const person = await graph.lookup(options.id)
    if (!person) {
      output.err(
        `${color.red('error')} No identifier or canonical id "${options.id}" in the identity graph of ${graph.where}: write it as type:value (userId:u1), a bare value or a canonical id.`,
      )
      return EXIT.failed
    }
    if (options.json) {
      output.out(JSON.stringify(person))
      return EXIT.ok
    }
    output.out(`${color.bold(person.canonicalId)}  ${person.size} identifier(s)`)
    for (const [type, values] of Object.entries(person.identifiers))
      output.out(`  ${type}: ${values.join(', ')}`)
    if (person.blocked.length > 0) output.out(`  blocklisted: ${person.blocked.join(', ')}`)
    output.out(color.dim(`merges (${person.merges.length}):`))
    for (const m of person.merges)
      output.out(`  ${m.kind} ${m.from} → ${m.to} (${m.nodes} id(s), event ${m.messageId || '?'})`)
    output.out(color.dim(`rejected or blocked links (${person.rejections.length}):`))
    for (const r of person.rejections.slice(0, 20))
      output.out(`  ${r.from} ✕ ${r.to}: ${r.reason} (event ${r.messageId || '?'})`)
    if (person.rejections.length > 20)
      output.out(color.dim(`  ... ${person.rejections.length - 20} more (--json lists all)`))
    return EXIT.ok
  })
}

/**
 * `patchbay identity stats`: people, identifiers per type, the largest clusters, rejected merges.
 *
 * @example
 * process.exitCode = await identityStats({ dataDir: './patchbay-data' })
 */
export function identityStats(
  options: IdentityTarget & { json?: boolean; largest?: number },
  output: Output = processOutput,
): Promise<number> {
  return withReader(options, output, async (graph) => {
    const stats = await graph.stats(options.largest ?? 10)
    if (options.json) {
      output.out(JSON.stringify(stats))
      return EXIT.ok
    }
    output.out(`people: ${stats.people}`)
    output.out(
      `identifiers: ${stats.identifiers} (${Object.entries(stats.byType)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')})`,
    )
    output.out(
      `links: ${stats.edges}; rejected merges: ${stats.rejectedMerges}; blocked links: ${stats.blockedLinks}`,
    )
    output.out(`merges logged: ${stats.merges}`)
    output.out(
      `blocklisted: ${stats.blockedIdentifiers.length > 0 ? stats.blockedIdentifiers.join(', ') : 'none'}`,
    )
    output.out(color.dim('largest people:'))
    for (const p of stats.largest)
      output.out(
        `  ${p.canonicalId}  ${p.size}  ${Object.entries(p.byType)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ')}`,
      )
    return EXIT.ok
  })
}

/**
 * `patchbay identity rebuild`: feeds an event history (JSONL) into the identity graph of a
 * data directory, without delivering anything. Into an empty directory, it rebuilds the
 * graph; the result does not depend on the order of the file.
 *
 * @example
 * process.exitCode = await rebuildIdentity({ dataDir: './rebuilt', input: 'history.jsonl' })
 */
export function rebuildIdentity(
  options: IdentityTarget & { input: string },
  output: Output = processOutput,
): Promise<number> {
  if (options.store && options.dataDir)
    throw new UsageError('--data-dir and --store name different places: rebuild into one of them')
  return withGraph(options, true, async (graph) => {
    let events = 0
    for await (const batch of readJsonl(options.input, 1000)) {
      for (const bad of batch.bad) output.err(`${color.red('input')} ${bad.message}`)
      await graph.stitch(batch.events)
      events += batch.events.length
    }
    const stats = await graph.stats({ largest: 0 })
    output.out(
      `${events} events stitched: ${stats.people} people, ${stats.identifiers} identifiers, ${stats.rejectedMerges} rejected merges`,
    )
    return EXIT.ok
  })
}

const dataArgs = {
  store: {
    type: 'string',
    description:
      'The PostgreSQL store (postgres://...), whose database holds the graph of gateways started with --store (default for lookup and stats: $PATCHBAY_STORE_URL)',
  },
  'data-dir': {
    type: 'string',
    description: "The gateway's data directory (default: $PATCHBAY_DATA_DIR, else ./patchbay-data)",
  },
  pipeline: {
    type: 'string',
    description:
      'The pipeline file whose identity: settings (caps, priority) the gateway runs; default: the defaults',
  },
} as const
const targetArgs = {
  gateway: {
    type: 'string',
    description:
      'A running gateway, e.g. http://127.0.0.1:8080 (default: $PATCHBAY_GATEWAY_URL unless --data-dir is given); its admin token comes from $PATCHBAY_ADMIN_TOKEN',
  },
  ...dataArgs,
} as const
const targetOf = (args: {
  gateway?: string
  store?: string
  'data-dir'?: string
  pipeline?: string
}): IdentityTarget => ({
  ...(args.gateway ? { gateway: args.gateway } : {}),
  ...(args.store ? { store: args.store } : {}),
  ...(args['data-dir'] ? { dataDir: args['data-dir'] } : {}),
  ...(args.pipeline ? { pipeline: args.pipeline } : {}),
})

const lookup = defineCommand({
  meta: { name: 'lookup', description: "A person's identifiers by type, merges and rejected merges" },
  args: {
    ...targetArgs,
    id: {
      type: 'positional',
      description: 'type:value (email:ada@example.com), a bare value, or a canonical id',
      required: true,
    },
    json: { type: 'boolean', description: 'Print JSON' },
  },
  async run({ args }) {
    process.exitCode = await lookupIdentity({ ...targetOf(args), id: args.id, json: args.json })
  },
})

const stats = defineCommand({
  meta: { name: 'stats', description: 'People, identifiers per type, the largest clusters, rejected merges' },
  args: {
    ...targetArgs,
    largest: { type: 'string', description: 'How many of the largest people to list (default 10)' },
    json: { type: 'boolean', description: 'Print JSON' },
  },
  async run({ args }) {
    const largest = args.largest === undefined ? undefined : Number(args.largest)
    if (largest !== undefined && !(Number.isInteger(largest) && largest >= 0))
      throw new UsageError(`--largest must be a whole number, got "${args.largest}"`)
    process.exitCode = await identityStats({
      ...targetOf(args),
      json: args.json,
      ...(largest === undefined ? {} : { largest }),
    })
  },
})

const rebuild = defineCommand({
  meta: {
    name: 'rebuild',
    description: 'Feed an event history (JSONL) into the identity graph, delivering nothing',
  },
  args: {
    ...dataArgs,
    input: { type: 'positional', description: 'A JSONL file of events', required: true },
  },
  async run({ args }) {
    process.exitCode = await rebuildIdentity({
      ...(args.store ? { store: args.store } : {}),
      ...(args['data-dir'] ? { dataDir: args['data-dir'] } : {}),
      ...(args.pipeline ? { pipeline: args.pipeline } : {}),
      input: args.input,
    })
  },
})

export default defineCommand({
  meta: {
    name: 'identity',
    description: `Look into the gateway's identity graph: who is who, and which merges the caps refused.

Reads the graph in the data directory (identity.db), or, for gateways on the PostgreSQL store,
in its database (--store URL); both safe while gateways run (pass the pipeline file with
--pipeline when its identity: block changes the caps or priority). Or asks a running gateway
with --gateway URL and PATCHBAY_ADMIN_TOKEN.

Examples:
  patchbay identity lookup email:ada@example.com --data-dir /var/lib/patchbay
  patchbay identity lookup 3f0c2a1e-7d5b-8c4e-9a6f-1b2c3d4e5f60 --json
  patchbay identity stats --pipeline pipeline.yaml
  PATCHBAY_ADMIN_TOKEN=... patchbay identity lookup userId:u1 --gateway http://127.0.0.1:8080
  patchbay identity stats --store postgres://patchbay@db.internal/patchbay
  patchbay identity rebuild history.jsonl --store postgres://patchbay@db.internal/patchbay
  patchbay identity rebuild history.jsonl --data-dir ./rebuilt --pipeline pipeline.yaml`,
  },
  subCommands: { lookup, stats, rebuild },
})
