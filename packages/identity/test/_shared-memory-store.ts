import type {
  EdgeRecord,
  GraphChanges,
  IdentityStore,
  MergeRecord,
  NodeRecord,
  StoredGraph,
} from '../src/index.ts'

/**
 * One graph in memory that several writers share, as gateway nodes share a PostgreSQL
 * database: every record carries the sequence number of the write that last changed it, and
 * `connect()` gives each writer a store that remembers the last sequence it saw. Writes are
 * serialised by a lock. For property tests of the shared-store protocol, without a server.
 */
export function createSharedMemoryGraph() {
  const nodes = new Map<number, { record: NodeRecord; seq: number }>()
  const edges = new Map<string, { record: EdgeRecord; seq: number }>()
  const log: MergeRecord[] = []
  let seq = 0
  /** How many records (nodes, edges, log entries) each write held. */
  const writes: number[] = []
  let lock: Promise<unknown> = Promise.resolve()

  const since = (last: number): StoredGraph => ({
    nodes: [...nodes.values()].filter((n) => n.seq > last).map((n) => ({ ...n.record })),
    edges: [...edges.values()].filter((e) => e.seq > last).map((e) => ({ ...e.record })),
  })

  function connect(): IdentityStore {
    let last = 0
    return {
      where: 'shared memory',
      async load() {
        last = seq
        return since(0)
      },
      async commit() {
        throw new Error('a shared store is written through shared.write')
      },
      async history(canonicalIds, limit) {
        const wanted = new Set(canonicalIds)
        return log.filter((e) => wanted.has(e.from) || wanted.has(e.to)).slice(0, limit)
      },
      async historySize() {
        return log.length
      },
      async close() {},
      shared: {
        async catchUp() {
          const news = since(last)
          last = seq
          return news
        },
        write(work: (news: StoredGraph) => GraphChanges) {
          const run = async () => {
            // A turn of the event loop inside the lock, as a database round trip would give.
            await new Promise((r) => setImmediate(r))
            const changes = work(since(last))
            const size = changes.nodes.length + changes.edges.length + changes.log.length
            if (size > 0) {
              writes.push(size)
              seq++
              for (const n of changes.nodes) nodes.set(n.id, { record: { ...n }, seq })
              for (const e of changes.edges) edges.set(`${e.a}:${e.b}`, { record: { ...e }, seq })
              for (const m of changes.log) log.push({ ...m })
            }
            last = seq
          }
          const result = lock.then(run, run)
          lock = result.catch(() => undefined)
          return result
        },
      },
    }
  }
  return { connect, snapshot: () => since(0), writes: () => [...writes] }
}
