import type { MergeRecord } from './identity-schema.ts'
import type { EdgeRecord, EdgeStatus, NodeRecord } from './identity-store.ts'

// Rows of the identity tables as store records, and the store URL as messages may show it.

export const toNode = (r: Record<string, unknown>): NodeRecord => ({
  id: Number(r.id),
  type: r.type as string,
  value: r.value as string,
  firstTs: Number(r.first_ts),
  firstMessageId: r.first_message_id as string,
  blocked: r.blocked === true,
  canonicalId: r.canonical_id as string,
})

export const toEdge = (r: Record<string, unknown>): EdgeRecord => ({
  a: Number(r.a),
  b: Number(r.b),
  priority: Number(r.priority),
  ts: Number(r.ts),
  messageId: r.message_id as string,
  status: r.status as EdgeStatus,
  ...(r.reason === null ? {} : { reason: r.reason as string }),
})

export const toMerge = (r: Record<string, unknown>): MergeRecord => ({
  kind: r.kind as MergeRecord['kind'],
  from: r.from_id as string,
  fromNode: Number(r.from_node),
  to: r.to_id as string,
  toNode: Number(r.to_node),
  nodes: Number(r.nodes),
  ts: Number(r.ts),
  messageId: r.message_id as string,
})

/** The URL with its password replaced, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'the store URL (not a URL; not shown)'
  }
}

/** The URL's password as written and decoded, for the redactor of driver messages. */
export function passwordForms(url: string): string[] {
  try {
    const { password } = new URL(url)
    if (!password) return []
    try {
      return [password, decodeURIComponent(password)]
    } catch {
      return [password]
    }
  } catch {
    return []
  }
}
