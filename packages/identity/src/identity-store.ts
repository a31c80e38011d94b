/** Edge status: merged, a rejected merge (a cap), or ignored (an endpoint is blocklisted). */
export type EdgeStatus = 'accepted' | 'rejected' | 'blocked'

/** An identifier as stored: `id` is dense (0, 1, 2, ...) and never reused. */
export interface NodeRecord {
  id: number
  type: string
  value: string
  /** When the identifier was first seen: the earliest (event timestamp, messageId) it came with. */
  firstTs: number
  firstMessageId: string
  blocked: boolean
  /** The canonical id of the person it belongs to (derived; rebuilt from the edges at open). */
  canonicalId: string
}

/** Two identifiers seen together (one event, or an alias call), at the earliest such event. */
export interface EdgeRecord {
  a: number
  b: number
  /** Rank of the edge's weaker identifier type in the priority order. */
  priority: number
  ts: number
  messageId: string
  status: EdgeStatus
  reason?: string
}

/** One entry of the merge log: what happened to a canonical id, and why. */
export interface MergeRecord {
  /** `merge`: one person absorbed another; `recomputed`: a late or conflicting event re-ran a component. */
  kind: 'merge' | 'recomputed'
  /** The canonical id that lost its nodes, and the identifier it was derived from. */
  from: string
  fromNode: number
  to: string
  toNode: number
  /** Identifiers that moved. */
  nodes: number
  /** The event that caused it (its timestamp and messageId). */
  ts: number
  messageId: string
}

/** What one batch changed, written atomically. */
export interface GraphChanges {
  nodes: NodeRecord[]
  edges: EdgeRecord[]
  log: MergeRecord[]
}

/** Everything a store holds, to rebuild the graph in memory at open. */
export interface StoredGraph {
  nodes: NodeRecord[]
  edges: EdgeRecord[]
}

/**
 * Where the identity graph persists: the identifiers and edges (the truth, from which the
 * partition is recomputed deterministically), the derived canonical id of every identifier
 * (for SQL users and tools), and an append-only merge log. Asynchronous so that a
 * PostgreSQL implementation fits the same port; `commit` must be atomic.
 */
export interface IdentityStore {
  /** Where it lives, for messages (`memory`, a file path). */
  readonly where: string
  load(): Promise<StoredGraph>
  commit(changes: GraphChanges): Promise<void>
  /** Merge log entries that name any of these canonical ids, oldest first. */
  history(canonicalIds: readonly string[], limit: number): Promise<MergeRecord[]>
  /** Merge log size. */
  historySize(): Promise<number>
  close(): Promise<void>
}
