import { canonicalIdOf } from './canonical-id.ts'
import type { Identifier } from './extract.ts'
import type { MergeRecord } from './identity-schema.ts'
import type { EdgeRecord, EdgeStatus, GraphChanges, NodeRecord, StoredGraph } from './identity-store.ts'
import { type ResolvedIdentitySettings, typeRanker } from './settings.ts'

const ACCEPTED = 0
const REJECTED = 1
const BLOCKED = 2
const STATUS: readonly EdgeStatus[] = ['accepted', 'rejected', 'blocked']
/** Node ids fit in 26 bits inside a pair key (67M identifiers per graph). */
const PAIR = 2 ** 26

/**
 * What one `ingest` changed, collected when the caller passes one (the warehouse's identity
 * tables need it; plain stitching does not pay for it).
 */
export interface IngestReport {
  /** Whole people absorbed: every id of canonical id `from` now has `to`, in order. */
  merged: Array<{ from: string; to: string }>
  /** Nodes whose person changed in a re-run of a component (possibly part of a person). */
  moved: Set<number>
  /** Edges that became rejected or blocked. */
  rejected: number[]
  /** Edges that were rejected or blocked and are accepted now. */
  cleared: number[]
}

/**
 * The identity graph in memory: identifiers (nodes), the links events make between them
 * (edges), and the partition into people under the caps.
 *
 * The partition is a function of the set of edges, not of their arrival order: it is what
 * a greedy union over all edges sorted by (priority, timestamp, messageId, identifiers)
 * gives, rejecting any union that breaks a cap. New edges keep that invariant cheaply:
 * a union within the caps is the same under any order (docs/identity.md proves it), an edge
 * ranked after every edge of its component that breaks a cap is simply rejected, and any
 * other conflict re-runs the greedy over that component only.
 */
export class IdentityEngine {
  readonly #settings: ResolvedIdentitySettings
  readonly #rankOf: (type: string) => number
  readonly #types: string[] = []
  readonly #typeIndex = new Map<string, number>()
  readonly #typeCaps: number[] = []
  readonly #typeRank: number[] = []

  // Nodes, by dense id.
  readonly #index = new Map<string, number>()
  readonly #key: string[] = []
  readonly #type: number[] = []
  readonly #value: string[] = []
  readonly #firstTs: number[] = []
  readonly #firstMsg: string[] = []
  readonly #blocked: boolean[] = []
  readonly #rejections: number[] = []
  readonly #adj: Array<number[] | undefined> = []
  readonly #canon: Array<string | undefined> = []
  readonly #canonIndex = new Map<string, number>()
  // Union-find over accepted edges (people), with per-root data.
  readonly #parent: number[] = []
  readonly #size: number[] = []
  readonly #oldest: number[] = []
  readonly #members: Array<number[] | undefined> = []
  readonly #counts: Array<Map<number, number> | undefined> = []
  // Union-find over every non-blocked edge (an over-approximation after blocklisting), with the
  // highest rank any of its edges ever had (a copy: an edge's rank may later be lowered in place).
  readonly #rawParent: number[] = []
  readonly #rawMax: Array<Rank | undefined> = []

  // Edges, by dense index.
  readonly #edgeIndex = new Map<number, number>()
  readonly #ea: number[] = []
  readonly #eb: number[] = []
  readonly #ePrio: number[] = []
  readonly #eTs: number[] = []
  readonly #eMsg: string[] = []
  readonly #eStatus: number[] = []
  readonly #eReason: Array<string | undefined> = []

  // What changed since the last drain().
  #dirtyNodes = new Set<number>()
  #dirtyEdges = new Set<number>()
  #log: MergeRecord[] = []
  #pendingBlocks: number[] = []
  /** Nodes the event being ingested created: one joining a person is not a merge of two people. */
  #fresh = new Set<number>()
  #at = { ts: 0, messageId: '' }
  #report: IngestReport | undefined

  constructor(settings: ResolvedIdentitySettings) {
    this.#settings = settings
    this.#rankOf = typeRanker(settings.priority)
  }

  get size(): number {
    return this.#key.length
  }

  // ---------------------------------------------------------------- loading

  /** Rebuilds from a store's records: nodes and edges, then the partition, recomputed. */
  load(stored: StoredGraph): void {
    const nodes = [...stored.nodes].sort((x, y) => x.id - y.id)
    for (const [i, node] of nodes.entries()) {
      if (node.id !== i)
        throw new Error(`identity store: node ids are not dense (expected ${i}, found ${node.id})`)
      const id = this.#addNode(node.type, node.value, node.firstTs, node.firstMessageId)
      this.#blocked[id] = node.blocked || this.#settings.blocklist.ids.has(`${node.type}:${node.value}`)
      if (this.#blocked[id] !== node.blocked) this.#dirtyNodes.add(id)
    }
    for (const edge of stored.edges) {
      const idx = this.#addEdge(edge.a, edge.b, edge.priority, edge.ts, edge.messageId)
      this.#eStatus[idx] = STATUS.indexOf(edge.status)
      this.#eReason[idx] = edge.reason
      // Rejections count towards the blocklist across restarts (the recomputation below corrects them).
      if (this.#eStatus[idx] === REJECTED) {
        this.#rejections[edge.a]!++
        this.#rejections[edge.b]!++
      }
    }
    const all = nodes.map((n) => n.id)
    for (let e = 0; e < this.#ea.length; e++)
      if (!this.#isBlockedEdge(e)) this.#rawUnion(this.#ea[e]!, this.#eb[e]!, this.#rank(e))
    this.#recompute(all, { log: false, dirtyAll: false })
    while (this.#pendingBlocks.length > 0) this.#block(this.#pendingBlocks.pop()!)
    for (const node of nodes)
      if (this.#canonicalOfNode(node.id) !== node.canonicalId) this.#dirtyNodes.add(node.id)
  }

  /**
   * Takes in what the other writers of a shared store committed (`SharedIdentityStore`): their
   * new identifiers, blocklistings and links, replayed through the rules events go through, so
   * the partition comes out as theirs (it does not depend on the order edges arrive in). What
   * they wrote is not written again: only what this engine derives differently stays dirty.
   */
  absorb(news: StoredGraph): void {
    if (news.nodes.length === 0 && news.edges.length === 0) return
    const log = this.#log
    this.#log = []
    const nodes = [...news.nodes].sort((x, y) => x.id - y.id)
    const blocks: number[] = []
    for (const node of nodes) {
      if (node.id === this.size) {
        const id = this.#addNode(node.type, node.value, node.firstTs, node.firstMessageId)
        this.#blocked[id] = node.blocked || this.#settings.blocklist.ids.has(`${node.type}:${node.value}`)
        continue
      }
      if (node.id > this.size || this.#key[node.id] !== `${node.type}\u0000${node.value}`)
        throw new Error(
          `identity store: node ${node.id} written by another node does not follow this graph's ${this.size} nodes`,
        )
      this.#seen(node.id, node.firstTs, node.firstMessageId)
      if (node.blocked && !this.#blocked[node.id]) blocks.push(node.id)
    }
    for (const id of blocks) this.#block(id)
    for (const edge of news.edges) {
      if (edge.a >= this.size || edge.b >= this.size)
        throw new Error(
          `identity store: a link written by another node names node ${Math.max(edge.a, edge.b)}, unknown here`,
        )
      this.#at = { ts: edge.ts, messageId: edge.messageId }
      this.#fresh.clear()
      this.#link(edge.a, edge.b, edge.ts, edge.messageId)
    }
    // Their blocklistings came with their nodes (above). A count that reaches the limit only
    // in this replay's order is not one: blocking is sticky and depends on the order links
    // arrive in, so the writer that ingested the events decides it, and every other writer
    // takes its decision rather than making its own.
    this.#pendingBlocks.length = 0
    // The other writer logged its merges and wrote its records: drop what agrees with them.
    this.#log = log
    const theirNodes = new Map(nodes.map((n) => [n.id, n]))
    for (const id of this.#dirtyNodes)
      if (sameNode(this.#nodeRecord(id), theirNodes.get(id))) this.#dirtyNodes.delete(id)
    const theirEdges = new Map(news.edges.map((e) => [Math.min(e.a, e.b) * PAIR + Math.max(e.a, e.b), e]))
    for (const e of this.#dirtyEdges)
      if (sameEdge(this.edgeRecord(e), theirEdges.get(this.#ea[e]! * PAIR + this.#eb[e]!)))
        this.#dirtyEdges.delete(e)
  }

  // ---------------------------------------------------------------- writing

  /**
   * Adds one event's identifiers and links, and answers its canonical id: the person of its
   * strongest identifier (undefined when it has none).
   */
  ingest(
    ids: readonly Identifier[],
    ts: number,
    messageId: string,
    report?: IngestReport,
  ): string | undefined {
    if (ids.length === 0) return undefined
    this.#at = { ts, messageId }
    this.#fresh.clear()
    this.#report = report
    try {
      const nodes = ids.map((id) => this.#touch(id.type, id.value, ts, messageId))
      for (let i = 0; i < nodes.length; i++)
        for (let j = i + 1; j < nodes.length; j++) this.#link(nodes[i]!, nodes[j]!, ts, messageId)
      while (this.#pendingBlocks.length > 0) this.#block(this.#pendingBlocks.pop()!)
      return this.#canonicalOfNode(this.#strongest(nodes))
    } finally {
      this.#report = undefined
    }
  }

  /** The changes since the last call, for the store (one atomic commit). */
  drain(): GraphChanges {
    const nodes: NodeRecord[] = []
    for (const id of this.#dirtyNodes) nodes.push(this.#nodeRecord(id))
    const edges: EdgeRecord[] = []
    for (const e of this.#dirtyEdges) edges.push(this.edgeRecord(e))
    const log = this.#log
    this.#dirtyNodes = new Set()
    this.#dirtyEdges = new Set()
    this.#log = []
    return { nodes, edges, log }
  }

  get dirty(): boolean {
    return this.#dirtyNodes.size > 0 || this.#dirtyEdges.size > 0 || this.#log.length > 0
  }

  // ---------------------------------------------------------------- reading

  /** The node of an identifier, if known. */
  nodeOf(type: string, value: string): number | undefined {
    return this.#index.get(`${type}\u0000${value}`)
  }
  /** The node a canonical id was derived from, if it was computed in this process. */
  nodeOfCanonical(canonicalId: string): number | undefined {
    return this.#canonIndex.get(canonicalId)
  }
  get types(): readonly string[] {
    return this.#types
  }
  canonicalOf(node: number): string {
    return this.#canonicalOfNode(node)
  }
  /** Every node of the person `node` belongs to. */
  membersOf(node: number): readonly number[] {
    const root = this.#find(node)
    return this.#members[root] ?? [root]
  }
  isRoot(node: number): boolean {
    return this.#find(node) === node
  }
  identifier(node: number): Identifier & { blocked: boolean; rejections: number } {
    return {
      type: this.#types[this.#type[node]!]!,
      value: this.#value[node]!,
      blocked: this.#blocked[node]!,
      rejections: this.#rejections[node]!,
    }
  }
  edgesOf(node: number): readonly number[] {
    return this.#adj[node] ?? []
  }
  get edgeCount(): number {
    return this.#ea.length
  }
  edgeRecord(e: number): EdgeRecord {
    return {
      a: this.#ea[e]!,
      b: this.#eb[e]!,
      priority: this.#ePrio[e]!,
      ts: this.#eTs[e]!,
      messageId: this.#eMsg[e]!,
      status: STATUS[this.#eStatus[e]!]!,
      ...(this.#eReason[e] === undefined ? {} : { reason: this.#eReason[e] }),
    }
  }
  nodeRecord(id: number): NodeRecord {
    return this.#nodeRecord(id)
  }

  // ---------------------------------------------------------------- internals

  #typeId(type: string): number {
    let t = this.#typeIndex.get(type)
    if (t === undefined) {
      t = this.#types.length
      this.#types.push(type)
      this.#typeIndex.set(type, t)
      this.#typeCaps.push(this.#settings.caps[type] ?? Number.POSITIVE_INFINITY)
      this.#typeRank.push(this.#rankOf(type))
    }
    return t
  }

  #addNode(type: string, value: string, ts: number, messageId: string): number {
    const id = this.#key.length
    const key = `${type}\u0000${value}`
    this.#index.set(key, id)
    this.#key.push(key)
    this.#type.push(this.#typeId(type))
    this.#value.push(value)
    this.#firstTs.push(ts)
    this.#firstMsg.push(messageId)
    this.#blocked.push(false)
    this.#rejections.push(0)
    this.#adj.push(undefined)
    this.#canon.push(undefined)
    this.#parent.push(id)
    this.#size.push(1)
    this.#oldest.push(id)
    this.#members.push(undefined)
    this.#counts.push(undefined)
    this.#rawParent.push(id)
    this.#rawMax.push(undefined)
    return id
  }

  #touch(type: string, value: string, ts: number, messageId: string): number {
    const found = this.#index.get(`${type}\u0000${value}`)
    if (found === undefined) {
      const id = this.#addNode(type, value, ts, messageId)
      if (this.#settings.blocklist.ids.has(`${type}:${value}`)) this.#blocked[id] = true
      this.#dirtyNodes.add(id)
      this.#fresh.add(id)
      return id
    }
    this.#seen(found, ts, messageId)
    return found
  }

  /** An identifier seen again at (ts, messageId): earlier than anything known, it may become its person's oldest. */
  #seen(found: number, ts: number, messageId: string): void {
    if (ts < this.#firstTs[found]! || (ts === this.#firstTs[found]! && messageId < this.#firstMsg[found]!)) {
      // A late event older than anything known of this identifier: it may now be its person's oldest.
      this.#firstTs[found] = ts
      this.#firstMsg[found] = messageId
      this.#dirtyNodes.add(found)
      const root = this.#find(found)
      const before = this.#oldest[root]!
      if (before !== found && this.#older(found, before)) {
        this.#oldest[root] = found
        const members = this.#members[root] ?? [root]
        for (const m of members) this.#dirtyNodes.add(m)
        this.#report?.merged.push({
          from: this.#canonicalOfNode(before, true),
          to: this.#canonicalOfNode(found, true),
        })
        this.#logEntry('recomputed', before, found, members.length)
      }
    }
  }

  /** Node order for "older": first seen (timestamp, messageId), then the identifier itself. */
  #older(x: number, y: number): boolean {
    const tx = this.#firstTs[x]!
    const ty = this.#firstTs[y]!
    if (tx !== ty) return tx < ty
    const mx = this.#firstMsg[x]!
    const my = this.#firstMsg[y]!
    if (mx !== my) return mx < my
    return this.#key[x]! < this.#key[y]!
  }

  /** The total order of edges: priority, timestamp, messageId, then the identifiers. */
  #compareEdges(e: number, f: number): number {
    return (
      this.#ePrio[e]! - this.#ePrio[f]! ||
      this.#eTs[e]! - this.#eTs[f]! ||
      cmp(this.#eMsg[e]!, this.#eMsg[f]!) ||
      cmp(this.#loKey(e), this.#loKey(f)) ||
      cmp(this.#hiKey(e), this.#hiKey(f))
    )
  }
  #rank(e: number): Rank {
    return {
      prio: this.#ePrio[e]!,
      ts: this.#eTs[e]!,
      msg: this.#eMsg[e]!,
      lo: this.#loKey(e),
      hi: this.#hiKey(e),
    }
  }
  #loKey(e: number): string {
    const a = this.#key[this.#ea[e]!]!
    const b = this.#key[this.#eb[e]!]!
    return cmp(a, b) <= 0 ? a : b
  }
  #hiKey(e: number): string {
    const a = this.#key[this.#ea[e]!]!
    const b = this.#key[this.#eb[e]!]!
    return cmp(a, b) <= 0 ? b : a
  }

  #addEdge(a: number, b: number, prio: number, ts: number, messageId: string): number {
    const lo = Math.min(a, b)
    const hi = Math.max(a, b)
    const idx = this.#ea.length
    this.#edgeIndex.set(lo * PAIR + hi, idx)
    this.#ea.push(lo)
    this.#eb.push(hi)
    this.#ePrio.push(prio)
    this.#eTs.push(ts)
    this.#eMsg.push(messageId)
    this.#eStatus.push(ACCEPTED)
    this.#eReason.push(undefined)
    for (const n of [lo, hi]) {
      const list = this.#adj[n]
      if (list === undefined) this.#adj[n] = [idx]
      else list.push(idx)
    }
    return idx
  }

  #isBlockedEdge(e: number): boolean {
    return this.#blocked[this.#ea[e]!]! || this.#blocked[this.#eb[e]!]!
  }

  #link(a: number, b: number, ts: number, messageId: string): void {
    if (a === b) return
    const prio = Math.max(this.#typeRank[this.#type[a]!]!, this.#typeRank[this.#type[b]!]!)
    const lo = Math.min(a, b)
    const hi = Math.max(a, b)
    let idx = this.#edgeIndex.get(lo * PAIR + hi)
    let isNew = false
    if (idx !== undefined) {
      // The same pair again: only its earliest sighting matters to the order.
      const later = prio - this.#ePrio[idx]! || ts - this.#eTs[idx]! || cmp(messageId, this.#eMsg[idx]!)
      if (later >= 0) return
      this.#ePrio[idx] = prio
      this.#eTs[idx] = ts
      this.#eMsg[idx] = messageId
    } else {
      idx = this.#addEdge(a, b, prio, ts, messageId)
      isNew = true
    }
    this.#dirtyEdges.add(idx)
    if (this.#isBlockedEdge(idx)) {
      this.#setStatus(idx, BLOCKED, 'an identifier is blocklisted')
      return
    }
    const rawA = this.#rawFind(a)
    const rawB = this.#rawFind(b)
    const rank = this.#rank(idx)
    const maxA = this.#rawMax[rawA]
    const maxB = this.#rawMax[rawB]
    const last =
      isNew &&
      (maxA === undefined || compareRanks(maxA, rank) < 0) &&
      (maxB === undefined || compareRanks(maxB, rank) < 0)
    this.#rawUnion(rawA, rawB, rank)
    const ra = this.#find(a)
    const rb = this.#find(b)
    if (ra === rb) {
      this.#setStatus(idx, ACCEPTED, undefined)
      return
    }
    const conflict = this.#capConflict(ra, rb)
    if (conflict === undefined) {
      this.#union(ra, rb, true)
      this.#setStatus(idx, ACCEPTED, undefined)
    } else if (last) {
      this.#setStatus(idx, REJECTED, conflict)
    } else {
      // A conflict with an edge ranked before others of the component: re-run the component.
      this.#recompute(this.#rawComponent(a), { log: true, dirtyAll: false })
    }
  }

  #setStatus(e: number, status: number, reason: string | undefined): void {
    const before = this.#eStatus[e]!
    if (before !== status || this.#eReason[e] !== reason) this.#dirtyEdges.add(e)
    if (before === REJECTED && status !== REJECTED) {
      this.#rejections[this.#ea[e]!]!--
      this.#rejections[this.#eb[e]!]!--
    }
    this.#eStatus[e] = status
    this.#eReason[e] = reason
    if (this.#report !== undefined && before !== status) {
      if (status !== ACCEPTED) this.#report.rejected.push(e)
      else if (before !== ACCEPTED) this.#report.cleared.push(e)
    }
    if (status === REJECTED && before !== REJECTED) {
      for (const n of [this.#ea[e]!, this.#eb[e]!]) {
        this.#rejections[n]!++
        if (this.#rejections[n] === this.#settings.blocklist.after && !this.#blocked[n])
          this.#pendingBlocks.push(n)
      }
    }
  }

  /** Which cap a union of two people would break, as a sentence; undefined when none. */
  #capConflict(ra: number, rb: number): string | undefined {
    const ca = this.#counts[ra]
    const cb = this.#counts[rb]
    const small = ca === undefined ? ra : cb === undefined ? rb : ca.size <= cb.size ? ra : rb
    const other = small === ra ? rb : ra
    let worst: { type: number; total: number } | undefined
    const check = (type: number, n: number) => {
      const total = n + this.#countOf(other, type)
      if (
        total > this.#typeCaps[type]! &&
        (worst === undefined || this.#typeRank[type]! < this.#typeRank[worst.type]!)
      )
        worst = { type, total }
    }
    const counts = this.#counts[small]
    if (counts === undefined) check(this.#type[small]!, 1)
    else for (const [type, n] of counts) check(type, n)
    if (worst === undefined) return undefined
    const name = this.#types[worst.type]!
    return `${name} cap: the merge would give one person ${worst.total} ${name} identifiers (cap ${this.#typeCaps[worst.type]})`
  }

  #countOf(root: number, type: number): number {
    const counts = this.#counts[root]
    if (counts === undefined) return this.#type[root] === type ? 1 : 0
    return counts.get(type) ?? 0
  }

  #union(ra: number, rb: number, log: boolean): void {
    const big = this.#size[ra]! >= this.#size[rb]! ? ra : rb
    const small = big === ra ? rb : ra
    const oldBig = this.#oldest[big]!
    const oldSmall = this.#oldest[small]!
    const survivor = this.#older(oldSmall, oldBig) ? oldSmall : oldBig
    const loser = survivor === oldBig ? small : big
    const moved = this.#members[loser] ?? [loser]
    if (log) {
      for (const m of moved) this.#dirtyNodes.add(m)
      if (moved.length > 1 || !this.#fresh.has(moved[0]!)) {
        const absorbed = survivor === oldBig ? oldSmall : oldBig
        this.#report?.merged.push({
          from: this.#canonicalOfNode(absorbed, true),
          to: this.#canonicalOfNode(survivor, true),
        })
        this.#logEntry('merge', absorbed, survivor, moved.length)
      }
    }
    const counts = this.#counts[big] ?? new Map([[this.#type[big]!, 1]])
    const smallCounts = this.#counts[small] ?? new Map([[this.#type[small]!, 1]])
    for (const [type, n] of smallCounts) counts.set(type, (counts.get(type) ?? 0) + n)
    const members = this.#members[big] ?? [big]
    for (const m of this.#members[small] ?? [small]) members.push(m)
    this.#parent[small] = big
    this.#size[big] = this.#size[big]! + this.#size[small]!
    this.#members[big] = members
    this.#counts[big] = counts
    this.#oldest[big] = survivor
    this.#members[small] = undefined
    this.#counts[small] = undefined
  }

  #logEntry(kind: MergeRecord['kind'], fromNode: number, toNode: number, nodes: number): void {
    this.#log.push({
      kind,
      from: this.#canonicalOfNode(fromNode, true),
      fromNode,
      to: this.#canonicalOfNode(toNode, true),
      toNode,
      nodes,
      ts: this.#at.ts,
      messageId: this.#at.messageId,
    })
  }

  #find(x: number): number {
    let root = x
    while (this.#parent[root] !== root) root = this.#parent[root]!
    while (this.#parent[x] !== root) {
      const next = this.#parent[x]!
      this.#parent[x] = root
      x = next
    }
    return root
  }

  #rawFind(x: number): number {
    let root = x
    while (this.#rawParent[root] !== root) root = this.#rawParent[root]!
    while (this.#rawParent[x] !== root) {
      const next = this.#rawParent[x]!
      this.#rawParent[x] = root
      x = next
    }
    return root
  }

  #rawUnion(a: number, b: number, rank: Rank): void {
    const ra = this.#rawFind(a)
    const rb = this.#rawFind(b)
    let max = rank
    for (const m of [this.#rawMax[ra], this.#rawMax[rb]])
      if (m !== undefined && compareRanks(m, max) > 0) max = m
    if (ra !== rb) this.#rawParent[rb] = ra
    this.#rawMax[ra] = max
  }

  /** Every node linked to `start` through edges that are not blocked. */
  #rawComponent(start: number): number[] {
    const seen = new Set<number>([start])
    const queue = [start]
    for (let i = 0; i < queue.length; i++) {
      for (const e of this.#adj[queue[i]!] ?? []) {
        if (this.#isBlockedEdge(e)) continue
        for (const n of [this.#ea[e]!, this.#eb[e]!])
          if (!seen.has(n)) {
            seen.add(n)
            queue.push(n)
          }
      }
    }
    return queue
  }

  /** Re-runs the greedy union over the edges among `nodes` (a union of whole components). */
  #recompute(nodes: readonly number[], { log, dirtyAll }: { log: boolean; dirtyAll: boolean }): void {
    const before = log ? nodes.map((n) => this.#oldest[this.#find(n)]!) : []
    const edges: number[] = []
    for (const n of nodes) {
      for (const e of this.#adj[n] ?? []) if (this.#ea[e] === n && !this.#isBlockedEdge(e)) edges.push(e)
    }
    for (const n of nodes) {
      this.#parent[n] = n
      this.#size[n] = 1
      this.#oldest[n] = n
      this.#members[n] = undefined
      this.#counts[n] = undefined
    }
    edges.sort((e, f) => this.#compareEdges(e, f))
    for (const e of edges) {
      const ra = this.#find(this.#ea[e]!)
      const rb = this.#find(this.#eb[e]!)
      if (ra === rb) {
        this.#setStatus(e, ACCEPTED, undefined)
        continue
      }
      const conflict = this.#capConflict(ra, rb)
      if (conflict === undefined) {
        this.#union(ra, rb, false)
        this.#setStatus(e, ACCEPTED, undefined)
      } else this.#setStatus(e, REJECTED, conflict)
    }
    if (!log) return
    const moved = new Map<string, { from: number; to: number; nodes: number }>()
    for (const [i, n] of nodes.entries()) {
      const from = before[i]!
      const to = this.#oldest[this.#find(n)]!
      if (dirtyAll || from !== to) this.#dirtyNodes.add(n)
      if (from === to) continue
      this.#report?.moved.add(n)
      const key = `${from}:${to}`
      const entry = moved.get(key)
      if (entry) entry.nodes++
      else moved.set(key, { from, to, nodes: 1 })
    }
    for (const { from, to, nodes: count } of moved.values()) this.#logEntry('recomputed', from, to, count)
  }

  /** Blocklists an identifier that caused too many rejected merges, and re-runs its component. */
  #block(node: number): void {
    if (this.#blocked[node]) return
    const component = this.#rawComponent(node)
    this.#blocked[node] = true
    this.#dirtyNodes.add(node)
    for (const e of this.#adj[node] ?? []) this.#setStatus(e, BLOCKED, 'an identifier is blocklisted')
    this.#recompute(component, { log: true, dirtyAll: false })
  }

  #strongest(nodes: readonly number[]): number {
    let best = nodes[0]!
    for (const n of nodes) {
      const d = this.#typeRank[this.#type[n]!]! - this.#typeRank[this.#type[best]!]!
      if (d < 0 || (d === 0 && this.#key[n]! < this.#key[best]!)) best = n
    }
    return best
  }

  #canonicalOfNode(node: number, itself = false): string {
    const source = itself ? node : this.#oldest[this.#find(node)]!
    let id = this.#canon[source]
    if (id === undefined) {
      id = canonicalIdOf(this.#types[this.#type[source]!]!, this.#value[source]!)
      this.#canon[source] = id
      this.#canonIndex.set(id, source)
    }
    return id
  }

  #nodeRecord(id: number): NodeRecord {
    return {
      id,
      type: this.#types[this.#type[id]!]!,
      value: this.#value[id]!,
      firstTs: this.#firstTs[id]!,
      firstMessageId: this.#firstMsg[id]!,
      blocked: this.#blocked[id]!,
      canonicalId: this.#canonicalOfNode(id),
    }
  }
}

/** An edge's place in the total order, copied. */
interface Rank {
  prio: number
  ts: number
  msg: string
  lo: string
  hi: string
}

function compareRanks(x: Rank, y: Rank): number {
  return x.prio - y.prio || x.ts - y.ts || cmp(x.msg, y.msg) || cmp(x.lo, y.lo) || cmp(x.hi, y.hi)
}

function sameNode(mine: NodeRecord, theirs: NodeRecord | undefined): boolean {
  return (
    theirs !== undefined &&
    mine.firstTs === theirs.firstTs &&
    mine.firstMessageId === theirs.firstMessageId &&
    mine.blocked === theirs.blocked &&
    mine.canonicalId === theirs.canonicalId
  )
}

function sameEdge(mine: EdgeRecord, theirs: EdgeRecord | undefined): boolean {
  return (
    theirs !== undefined &&
    mine.priority === theirs.priority &&
    mine.ts === theirs.ts &&
    mine.messageId === theirs.messageId &&
    mine.status === theirs.status &&
    (mine.reason ?? null) === (theirs.reason ?? null)
  )
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
