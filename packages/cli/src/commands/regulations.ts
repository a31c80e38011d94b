import type { Regulation } from '@patchbay/server'
import { defineCommand } from 'citty'
import { DlqRefused } from '../_dlq-backend.ts'
import { type AdminClient, openAdminClient } from '../_dlq-gateway.ts'
import { EXIT, UsageError } from '../_exit.ts'
import { color, type Output, processOutput } from '../_output.ts'
import { formatRegulation, formatRegulations } from '../_regulations-format.ts'

/** Where the regulations commands go: a running gateway (its admin token from `token`, else PATCHBAY_ADMIN_TOKEN). */
export interface RegulationsTarget {
  gateway: string
  token?: string
}

async function withGateway(
  target: RegulationsTarget,
  output: Output,
  use: (admin: AdminClient) => Promise<number>,
): Promise<number> {
  try {
    return await use(openAdminClient(target.gateway, target.token ?? process.env.PATCHBAY_ADMIN_TOKEN))
  } catch (error) {
    if (!(error instanceof DlqRefused)) throw error
    output.err(`${color.red('error')} ${error.message}`)
    return EXIT.usage
  }
}

const isRegulation = (value: unknown): value is Regulation =>
  typeof value === 'object' && value !== null && typeof (value as Regulation).id === 'number'

/**
 * `type=value` pairs (`userId=u1`, `email=a@b.c`) as regulation identifiers; a usage error
 * naming the bad one otherwise.
 *
 * @example
 * parseIdentifiers(['userId=u1', 'email=a@b.c'])
 */
export function parseIdentifiers(pairs: readonly string[]): Array<{ type: string; value: string }> {
  if (pairs.length === 0)
    throw new UsageError('name the users: one or more type=value, e.g. userId=u1 anonymousId=a1 email=a@b.c')
  return pairs.map((pair) => {
    const at = pair.indexOf('=')
    if (at <= 0 || at === pair.length - 1)
      throw new UsageError(`"${pair}" is not type=value: write e.g. userId=u1, anonymousId=a1 or email=a@b.c`)
    return { type: pair.slice(0, at), value: pair.slice(at + 1) }
  })
}

/**
 * `patchbay regulations add`: suppresses users (and with `delete`, deletes them at every
 * destination that can). Prints the regulation as applied.
 *
 * @example
 * process.exitCode = await addRegulation({ gateway: 'http://127.0.0.1:8080', identifiers: ['userId=u1'], delete: true })
 */
export function addRegulation(
  options: RegulationsTarget & { identifiers: readonly string[]; delete?: boolean; json?: boolean },
  output: Output = processOutput,
): Promise<number> {
  const identifiers = parseIdentifiers(options.identifiers)
  return withGateway(options, output, async (admin) => {
    const body = await admin.call('POST', 'regulations', {
      type: options.delete ? 'suppress_with_delete' : 'suppress',
      identifiers,
    })
    if (!isRegulation(body)) throw admin.notTheApi('something other than a regulation')
    if (options.json) output.out(JSON.stringify(body))
    else {
      output.out(
        `Regulation ${body.id} in force: the users' events are dropped from now on; ${body.purged.jobs} queued jobs and ${body.purged.deadLetters} dead letters purged.`,
      )
      if (body.type === 'suppress_with_delete')
        output.out(
          `Deletions: ${body.deletions.map((d) => `${d.destinationId} ${d.status}`).join(', ') || 'no destination'}. Follow them with \`patchbay regulations show ${body.id}\`.`,
        )
    }
    return EXIT.ok
  })
}

/** `patchbay regulations list`: newest first. */
export function listRegulations(
  options: RegulationsTarget & { limit?: number; json?: boolean },
  output: Output = processOutput,
): Promise<number> {
  return withGateway(options, output, async (admin) => {
    const body = await admin.call('GET', `regulations?limit=${options.limit ?? 100}`)
    if (!Array.isArray(body)) throw admin.notTheApi('something other than a list of regulations')
    if (options.json) output.out(JSON.stringify(body))
    else if (body.length === 0) output.out(`No regulations in ${admin.where}.`)
    else for (const line of formatRegulations(body as Regulation[])) output.out(line)
    return EXIT.ok
  })
}

/** `patchbay regulations show`: one regulation and each destination's deletion status. Exit 1 when unknown. */
export function showRegulation(
  options: RegulationsTarget & { id: number; json?: boolean },
  output: Output = processOutput,
): Promise<number> {
  return withGateway(options, output, async (admin) => {
    const body = await admin.call('GET', `regulations/${options.id}`, undefined, 'no regulation')
    if (body === undefined) {
      output.err(
        `${color.red('error')} No regulation ${options.id} in ${admin.where}: \`patchbay regulations list\` shows them.`,
      )
      return EXIT.failed
    }
    if (!isRegulation(body)) throw admin.notTheApi('something other than a regulation')
    if (options.json) output.out(JSON.stringify(body))
    else for (const line of formatRegulation(body)) output.out(line)
    return EXIT.ok
  })
}

/** `patchbay regulations remove`: lifts a suppression (deletions already asked for go on). Exit 1 when none in force. */
export function removeRegulation(
  options: RegulationsTarget & { id: number },
  output: Output = processOutput,
): Promise<number> {
  return withGateway(options, output, async (admin) => {
    const body = await admin.call('DELETE', `regulations/${options.id}`, undefined, 'no regulation')
    if (body === undefined) {
      output.err(
        `${color.red('error')} No regulation ${options.id} in force in ${admin.where} (unknown, or removed already).`,
      )
      return EXIT.failed
    }
    output.out(
      `Regulation ${options.id} removed: the users' new events are accepted again. Its record stays in the audit trail.`,
    )
    return EXIT.ok
  })
}

function gatewayOf(flag: string | undefined): string {
  const url = flag || process.env.PATCHBAY_GATEWAY_URL
  if (!url)
    throw new UsageError(
      'say which gateway: --gateway http://127.0.0.1:8080 (or PATCHBAY_GATEWAY_URL), with PATCHBAY_ADMIN_TOKEN set to its admin token',
    )
  return url
}

function idOf(text: string | undefined): number {
  if (!text || !/^\d+$/.test(text))
    throw new UsageError(`the regulation id must be a whole number, got "${text ?? ''}"`)
  return Number(text)
}

const gatewayArg = {
  gateway: {
    type: 'string',
    description:
      'The running gateway, e.g. http://127.0.0.1:8080 (default: $PATCHBAY_GATEWAY_URL). Its admin token comes from $PATCHBAY_ADMIN_TOKEN',
  },
  json: { type: 'boolean', description: 'Print JSON' },
} as const

const add = defineCommand({
  meta: {
    name: 'add',
    description: 'Suppress users: drop their events from now on and purge what is queued',
  },
  args: {
    ...gatewayArg,
    identifiers: {
      type: 'positional',
      description: 'type=value pairs: userId=u1, anonymousId=a1, or a configured trait such as email=a@b.c',
      required: true,
    },
    delete: {
      type: 'boolean',
      description: 'Also delete the users at every destination that can (suppress_with_delete)',
    },
  },
  async run({ args }) {
    process.exitCode = await addRegulation({
      gateway: gatewayOf(args.gateway),
      identifiers: args._,
      delete: Boolean(args.delete),
      json: Boolean(args.json),
    })
  },
})

const list = defineCommand({
  meta: { name: 'list', description: 'List regulations, newest first, with their deletion statuses' },
  args: { ...gatewayArg, limit: { type: 'string', description: 'How many (default 100)' } },
  async run({ args }) {
    process.exitCode = await listRegulations({
      gateway: gatewayOf(args.gateway),
      ...(args.limit ? { limit: idOf(args.limit) } : {}),
      json: Boolean(args.json),
    })
  },
})

const show = defineCommand({
  meta: {
    name: 'show',
    description: "One regulation: its identifiers and each destination's deletion status",
  },
  args: { ...gatewayArg, id: { type: 'positional', description: 'The regulation id', required: true } },
  async run({ args }) {
    process.exitCode = await showRegulation({
      gateway: gatewayOf(args.gateway),
      id: idOf(args.id),
      json: Boolean(args.json),
    })
  },
})

const remove = defineCommand({
  meta: { name: 'remove', description: 'Lift a suppression (the record stays in the audit trail)' },
  args: { ...gatewayArg, id: { type: 'positional', description: 'The regulation id', required: true } },
  async run({ args }) {
    process.exitCode = await removeRegulation({ gateway: gatewayOf(args.gateway), id: idOf(args.id) })
  },
})

export default defineCommand({
  meta: {
    name: 'regulations',
    description: `Suppress and delete users (GDPR/CCPA requests) on a running gateway.

A running gateway: --gateway URL (or PATCHBAY_GATEWAY_URL), with PATCHBAY_ADMIN_TOKEN set to the
admin token it was started with.

Usage:
  PATCHBAY_ADMIN_TOKEN=... patchbay regulations add --gateway http://127.0.0.1:8080 userId=u1 email=a@b.c --delete
  patchbay regulations list
  patchbay regulations show 3
  patchbay regulations remove 3`,
  },
  subCommands: { add, list, show, remove },
})
