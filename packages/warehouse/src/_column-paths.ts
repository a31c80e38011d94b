import type { Dialect } from './dialect.ts'
import { normalizeIdentifier } from './identifiers.ts'

/**
 * A key's place in a flattened object: the column it becomes, and the names its nested
 * keys build on. `context.page.path` is the node `page` → `path` under the `context` root:
 * its column `context_page_path` and its path are made once, not per event.
 */
export interface ColumnPath {
  /** The column name before normalisation: the keys joined with `_`, after the root's prefix. */
  readonly raw: string
  /** The dotted path from the event (`properties.orderId`): who owns the column. */
  readonly path: string
  /** `raw` normalised for the dialect. */
  readonly column: string
  readonly children: Map<string, ColumnPath>
  /** The object keys last seen here and their sorted order: most events repeat them. */
  keys: readonly string[]
  sorted: readonly string[]
}

/**
 * The column paths of one dialect, as a tree per root (`context`, `properties`, `traits`).
 * Bounded: a stream of ever-new keys drops the whole tree once it holds `MAX_NODES`.
 */
interface PathTree {
  /** By prefix, then path. */
  roots: Map<string, Map<string, ColumnPath>>
  nodes: number
}

const TREES = new WeakMap<Dialect, PathTree>()
const MAX_NODES = 50_000

const node = (raw: string, path: string, column: string): ColumnPath => ({
  raw,
  path,
  column,
  children: new Map(),
  keys: [],
  sorted: [],
})

/** The root that an object's keys start from: `prefix` begins their columns, `path` their paths. */
export function rootPath(prefix: string, path: string, dialect: Dialect): ColumnPath {
  let tree = TREES.get(dialect)
  if (!tree) {
    tree = { roots: new Map(), nodes: 0 }
    TREES.set(dialect, tree)
  }
  let root = tree.roots.get(prefix)?.get(path)
  if (!root) {
    if (tree.nodes >= MAX_NODES) drop(tree)
    root = node(prefix, path, '')
    let byPath = tree.roots.get(prefix)
    if (!byPath) {
      byPath = new Map()
      tree.roots.set(prefix, byPath)
    }
    byPath.set(path, root)
    tree.nodes++
  }
  return root
}

/** Forgets every path (the nodes still in use answer on, and go with their events). */
function drop(tree: PathTree): void {
  tree.roots.clear()
  tree.nodes = 0
}

/** The node of `key` under `parent`, made once. */
export function childPath(parent: ColumnPath, key: string, dialect: Dialect): ColumnPath {
  let child = parent.children.get(key)
  if (child === undefined) {
    const tree = TREES.get(dialect)!
    if (tree.nodes >= MAX_NODES) drop(tree)
    const raw = parent.raw ? `${parent.raw}_${key}` : key
    const step = pathStep(key)
    child = node(raw, parent.path ? `${parent.path}.${step}` : step, normalizeIdentifier(raw, dialect))
    parent.children.set(key, child)
    tree.nodes++
  }
  return child
}

/**
 * A key as a step of a dotted path: a key with a dot in it (`a.b`) must not read as the
 * nested keys `a` → `b`, or the two would own one column and one value would overwrite the
 * other. Its dots (and backslashes) are escaped; any other key is itself, so its path, and
 * the suffix hashed from it, stays as it was.
 */
function pathStep(key: string): string {
  return key.includes('.') || key.includes('\\') ? key.replace(/[\\.]/g, '\\$&') : key
}

/** An object's keys in sorted order (the order collisions are settled in), cached per node. */
export function sortedKeys(at: ColumnPath, object: object): readonly string[] {
  const keys = Object.keys(object)
  const last = at.keys
  if (keys.length === last.length) {
    let same = true
    for (let i = 0; i < keys.length; i++)
      if (keys[i] !== last[i]) {
        same = false
        break
      }
    if (same) return at.sorted
  }
  at.keys = keys
  at.sorted = [...keys].sort()
  return at.sorted
}
