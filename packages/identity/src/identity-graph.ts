import './error-codes.ts'
import { type IdentitySettings, PatchbayError } from '@patchbay/core'
import { IdentityEngine, type IngestReport } from './_engine.ts'
import { extractIdentifiers, type Identifier } from './extract.ts'
import type { IdentityLookup, IdentityStats } from './identity-schema.ts'
import type { EdgeStatus, IdentityStore } from './identity-store.ts'
import { type ResolvedIdentitySettings, resolveIdentitySettings } from './settings.ts'

/**
 * What stitching one event changed: enough for a table kept in step with the graph (the
 * warehouse's `identity_mappings`) to follow it, merges included.
 */
export interface StitchChange {
  /** The event's canonical id (its strongest identifier's person). */
  canonicalId: string
  /**
   * The event's identifiers, and every other identifier a re-run of its component moved to
   * another person, each with its canonical id after this event.
   */
  ids: Array<Identifier & { canonicalId: string }>
  /** People absorbed by this event, in order: every id of `from` now belongs to `to`. */
  merged: Array<{ from: string; to: string }>
  /** Links that became rejected (a cap) or blocked (a blocklisted identifier). */
  rejected: Array<{
    a: Identifier
    b: Identifier
    status: Exclude<EdgeStatus, 'accepted'>
    reason: string
    messageId: string
  }>
  /** Links that were rejected or blocked and are merged now (a re-run after late events). */
  cleared: Array<{ a: Identifier; b: Identifier }>
}

/** A live identity graph over a store. */
export interface IdentityGraph {
  readonly settings: ResolvedIdentitySettings
  /**
   * Adds a batch of events to the graph (their identifiers and links), commits the changes
   * atomically, and answers each event's canonical id (undefined for an event with no
   * identifier). Batches run one at a time.
   */
  stitch(events: readonly unknown[]): Promise<Array<string | undefined>>
  /** `stitch`, answering for each event what it changed (undefined for an event with no identifier). */
  stitchChanges(events: readonly unknown[]): Promise<Array<StitchChange | undefined>>
  /**
   * The canonical id of an identifier (`type:value`, a bare value of any type, or a canonical
   * id); read-only, from memory. On a store several nodes share, as of this node's last
   * stitch, lookup or stats (the node that stitches is always up to date).
   */
  resolve(id: string): string | undefined
  /** One person: their identifiers by type, merges and rejected links (after taking in other nodes' writes). */
  lookup(id: string): Promise<IdentityLookup | undefined>
  /** The graph at a glance (after taking in other nodes' writes). */
  stats(options?: { largest?: number }): Promise<IdentityStats>
  close(): Promise<void>
}

/** The event time the order uses: `timestamp`, else `originalTimestamp`, else `receivedAt` (ms; 0 if none). */
export function eventTime(event: unknown): number {
  const e = event as { timestamp?: unknown; originalTimestamp?: unknown; receivedAt?: unknown }
  for (const raw of [e.timestamp, e.originalTimestamp, e.receivedAt]) {
    if (typeof raw === 'string') {
      const ms = Date.parse(raw)
      if (!Number.isNaN(ms)) return ms
    }
  }
  return 0
}

/**
 * Checks a store's derived state against a recomputation from its edges: how many
 * identifiers have a stored canonical id, and how many links a stored status, that the
 * recomputation disagrees with (0 and 0 for a consistent store). Opening a graph repairs
 * both; this only counts.
 *
 * @example
 * const { nodes, edges } = await checkIdentityStore(openSqliteIdentityStore({ dir, readOnly: true }))
 */
export async function checkIdentityStore(
  store: IdentityStore,
  settings?: IdentitySettings,
): Promise<{ identifiers: number; nodes: number; edges: number }> {
  const engine = new IdentityEngine(resolveIdentitySettings(settings))
  engine.load(await store.load())
  const repairs = engine.drain()
  return { identifiers: engine.size, nodes: repairs.nodes.length, edges: repairs.edges.length }
}

/**
 * Opens the identity graph kept in a store: loads its identifiers and edges, recomputes the
 * partition (which also repairs anything a crash left behind), and commits any repair.
 *
 * @example
 * const graph = await openIdentityGraph({ store: openSqliteIdentityStore({ dir: './data' }), settings: pipeline.identity })
 * const [canonicalId] = await graph.stitch([{ type: 'identify', userId: 'u1', anonymousId: 'a1' }])
 */
export async function openIdentityGraph(init: {
  store: IdentityStore
  /** The pipeline's `identity:` block (defaults when absent). */
  settings?: IdentitySettings
  /** Do not write repairs back (tools reading a gateway's graph). */
  readOnly?: boolean
}): Promise<IdentityGraph> {
  const { store } = init
  const settings = resolveIdentitySettings(init.settings)
  const { shared } = store
  const build = async () => {
    const engine = new IdentityEngine(settings)
    engine.load(await store.load())
    if (init.readOnly || !engine.dirty) engine.drain()
    else if (shared)
      await shared.write((news) => {
        engine.absorb(news)
        return engine.drain()
      })
    else await store.commit(engine.drain())
    return engine
  }
  let engine = await build()
  let broken = false
  let closed = false
  let queue: Promise<unknown> = Promise.resolve()
  /** Runs `fn` after everything queued before it, on a graph in step with its store. */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = async () => {
      if (closed) throw new PatchbayError('PB_IDENTITY_CLOSED', 'the identity graph is closed')
      if (broken) {
        // The last write failed: memory may be ahead of the store. Start again from the store.
        engine = await build()
        broken = false
      }
      try {
        return await fn()
      } catch (error) {
        broken = true
        throw error
      }
    }
    const result = queue.then(run, run)
    queue = result.catch(() => undefined)
    return result
  }
  /** Stitches `events` in order with `ingest` and writes what changed (on a shared store, after taking in other nodes' writes). */
  const enqueue = <T>(
    events: readonly unknown[],
    ingest: (ids: Identifier[], ts: number, messageId: string) => T,
  ): Promise<T[]> => {
    const each = () =>
      events.map((event) => {
        const messageId = (event as { messageId?: unknown }).messageId
        return ingest(
          extractIdentifiers(event, settings),
          eventTime(event),
          typeof messageId === 'string' ? messageId : '',
        )
      })
    return serial(async () => {
      if (shared) {
        let out: T[] = []
        await shared.write((news) => {
          engine.absorb(news)
          out = each()
          return engine.drain()
        })
        return out
      }
      const out = each()
      if (engine.dirty) await store.commit(engine.drain())
      return out
    })
  }
  /** Another node's writes, taken in before a read (a no-op for a store of one writer). */
  const catchUp = () =>
    shared ? serial(async () => engine.absorb(await shared.catchUp())) : Promise.resolve()

  const nodeFor = (id: string): number | undefined => {
    const fromCanonical = engine.nodeOfCanonical(id)
    if (fromCanonical !== undefined) return fromCanonical
    const colon = id.indexOf(':')
    if (colon > 0) {
      const node = engine.nodeOf(id.slice(0, colon), id.slice(colon + 1))
      if (node !== undefined) return node
    }
    for (const type of engine.types) {
      const node = engine.nodeOf(type, id)
      if (node !== undefined) return node
    }
    return undefined
  }
  const nodeForAsync = async (id: string) => {
    const node = nodeFor(id)
    if (node !== undefined) return node
    // A canonical id absorbed before this process started: the merge log names its identifier.
    const [entry] = await store.history([id], 1)
    if (entry === undefined) return undefined
    return entry.from === id ? entry.fromNode : entry.toNode
  }
  const name = (node: number) => {
    const { type, value } = engine.identifier(node)
    return `${type}:${value}`
  }

  return {
    settings,
    stitch(events) {
      return enqueue(events, (ids, ts, messageId) => engine.ingest(ids, ts, messageId))
    },
    stitchChanges(events) {
      return enqueue(events, (ids, ts, messageId) => {
        const report: IngestReport = { merged: [], moved: new Set(), rejected: [], cleared: [] }
        const canonicalId = engine.ingest(ids, ts, messageId, report)
        if (canonicalId === undefined) return undefined
        const idOf = (node: number): Identifier => {
          const { type, value } = engine.identifier(node)
          return { type, value }
        }
        const listed = new Set<string>()
        const out: StitchChange['ids'] = []
        const add = (type: string, value: string, node: number | undefined) => {
          const key = `${type}\u0000${value}`
          if (node === undefined || listed.has(key)) return
          listed.add(key)
          out.push({ type, value, canonicalId: engine.canonicalOf(node) })
        }
        for (const id of ids) add(id.type, id.value, engine.nodeOf(id.type, id.value))
        for (const node of report.moved) {
          const { type, value } = engine.identifier(node)
          add(type, value, node)
        }
        return {
          canonicalId,
          ids: out,
          merged: report.merged,
          rejected: report.rejected.flatMap((e) => {
            const edge = engine.edgeRecord(e)
            if (edge.status === 'accepted') return []
            return [
              {
                a: idOf(edge.a),
                b: idOf(edge.b),
                status: edge.status,
                reason: edge.reason ?? '',
                messageId: edge.messageId,
              },
            ]
          }),
          cleared: report.cleared.flatMap((e) => {
            const edge = engine.edgeRecord(e)
            return edge.status === 'accepted' ? [{ a: idOf(edge.a), b: idOf(edge.b) }] : []
          }),
        }
      })
    },
    resolve(id) {
      const node = nodeFor(id)
      return node === undefined ? undefined : engine.canonicalOf(node)
    },
    async lookup(id) {
      await catchUp()
      const node = await nodeForAsync(id)
      if (node === undefined) return undefined
      const members = engine.membersOf(node)
      const byType = new Map<string, string[]>()
      const rejections: IdentityLookup['rejections'] = []
      const blocked: string[] = []
      for (const m of members) {
        const { type, value, blocked: isBlocked } = engine.identifier(m)
        const list = byType.get(type)
        if (list === undefined) byType.set(type, [value])
        else list.push(value)
        if (isBlocked) blocked.push(`${type}:${value}`)
        for (const e of engine.edgesOf(m)) {
          const edge = engine.edgeRecord(e)
          if (edge.status === 'accepted') continue
          const other = edge.a === m ? edge.b : edge.a
          rejections.push({
            from: `${type}:${value}`,
            to: name(other),
            status: edge.status,
            reason: edge.reason ?? '',
            messageId: edge.messageId,
          })
        }
      }
      const identifiers = Object.fromEntries([...byType].sort(([x], [y]) => (x < y ? -1 : 1)))
      for (const list of Object.values(identifiers)) list.sort()
      const canonicalId = engine.canonicalOf(node)
      return {
        canonicalId,
        identifiers,
        size: members.length,
        merges: await store.history([canonicalId], 100),
        rejections,
        blocked: blocked.sort(),
      }
    },
    async stats({ largest = 10 } = {}) {
      await catchUp()
      const byType: Record<string, number> = {}
      const blockedIdentifiers: string[] = []
      const roots: Array<{ node: number; size: number }> = []
      for (let n = 0; n < engine.size; n++) {
        const { type, blocked } = engine.identifier(n)
        byType[type] = (byType[type] ?? 0) + 1
        if (blocked) blockedIdentifiers.push(name(n))
        if (engine.isRoot(n)) roots.push({ node: n, size: engine.membersOf(n).length })
      }
      let rejectedMerges = 0
      let blockedLinks = 0
      for (let e = 0; e < engine.edgeCount; e++) {
        const { status } = engine.edgeRecord(e)
        if (status === 'rejected') rejectedMerges++
        else if (status === 'blocked') blockedLinks++
      }
      roots.sort((x, y) => y.size - x.size || x.node - y.node)
      return {
        people: roots.length,
        identifiers: engine.size,
        byType,
        edges: engine.edgeCount,
        rejectedMerges,
        blockedLinks,
        blockedIdentifiers: blockedIdentifiers.sort(),
        merges: await store.historySize(),
        largest: roots.slice(0, largest).map(({ node, size }) => {
          const types: Record<string, number> = {}
          for (const m of engine.membersOf(node)) {
            const { type } = engine.identifier(m)
            types[type] = (types[type] ?? 0) + 1
          }
          return { canonicalId: engine.canonicalOf(node), size, byType: types }
        }),
      }
    },
    async close() {
      if (closed) return
      closed = true
      await queue
      await store.close()
    },
  }
}
