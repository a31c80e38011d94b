import type { MergeRecord } from './identity-schema.ts'
import type { EdgeRecord, GraphChanges, IdentityStore, NodeRecord } from './identity-store.ts'

/**
 * An identity store in memory: for `patchbay run`, tests, and as the reference the other
 * stores are compared with. Nothing survives the process.
 *
 * @example
 * const graph = await openIdentityGraph({ store: createMemoryIdentityStore() })
 */
export function createMemoryIdentityStore(): IdentityStore {
  const nodes = new Map<number, NodeRecord>()
  const edges = new Map<string, EdgeRecord>()
  const log: MergeRecord[] = []
  return {
    where: 'memory',
    async load() {
      return {
        nodes: [...nodes.values()].map((n) => ({ ...n })),
        edges: [...edges.values()].map((e) => ({ ...e })),
      }
    },
    async commit(changes: GraphChanges) {
      for (const node of changes.nodes) nodes.set(node.id, { ...node })
      for (const edge of changes.edges) edges.set(`${edge.a}:${edge.b}`, { ...edge })
      for (const entry of changes.log) log.push({ ...entry })
    },
    async history(canonicalIds, limit) {
      const wanted = new Set(canonicalIds)
      return log.filter((e) => wanted.has(e.from) || wanted.has(e.to)).slice(0, limit)
    },
    async historySize() {
      return log.length
    },
    async close() {},
  }
}
