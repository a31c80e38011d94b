import type { MergeRecord } from './identity-schema.ts'

/** The merge log entry (its TypeBox schema is `MergeRecordSchema`), here too for the stores. */
export type { MergeRecord }

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
  /**
   * Set by a store that several gateway nodes share (PostgreSQL). The graph then writes only
   * through `write`, and reads what the other nodes wrote with `catchUp` before it answers.
   */
  readonly shared?: SharedIdentityStore
}

/**
 * The part of a store several writers share. Each write runs under the graph's lock and
 * starts from what the others committed since this writer last loaded, caught up or wrote
 * (the latest version of every record they changed), so new identifiers get dense ids no one
 * else took and the partition, a function of the edges, comes out the same on every node.
 */
export interface SharedIdentityStore {
  /** What other writers committed since this store last read or wrote: one consistent snapshot, without the lock. */
  catchUp(): Promise<StoredGraph>
  /**
   * Takes the graph's write lock, hands `work` what other writers committed since, and commits
   * the changes it returns, atomically with the lock held; the lock goes with the transaction.
   */
  write(work: (news: StoredGraph) => GraphChanges): Promise<void>
}
