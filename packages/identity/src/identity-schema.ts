import Type, { type Static } from 'typebox'

/** One entry of the merge log: what happened to a canonical id, and why. */
export const MergeRecordSchema = Type.Object({
  kind: Type.Union([Type.Literal('merge'), Type.Literal('recomputed')], {
    description:
      '`merge`: one person absorbed another; `recomputed`: a late or conflicting event re-ran a component.',
  }),
  from: Type.String({ description: 'The canonical id that lost its identifiers.' }),
  fromNode: Type.Integer({
    minimum: 0,
    description: 'The identifier `from` was derived from (its node id).',
  }),
  to: Type.String({ description: 'The canonical id they went to.' }),
  toNode: Type.Integer({ minimum: 0 }),
  nodes: Type.Integer({ minimum: 0, description: 'Identifiers that moved.' }),
  ts: Type.Number({ description: 'The causing event’s timestamp (ms since the epoch).' }),
  messageId: Type.String({ description: 'The causing event’s messageId.' }),
})
export type MergeRecord = Static<typeof MergeRecordSchema>

const TypeCounts = Type.Record(Type.String(), Type.Integer({ minimum: 0 }))

/** One person, as `graph.lookup`, `GET /admin/identity/lookup` and `patchbay identity lookup --json` show them. */
export const IdentityLookupSchema = Type.Object({
  canonicalId: Type.String(),
  identifiers: Type.Record(Type.String(), Type.Array(Type.String()), {
    description: 'The person’s identifiers by type, each list sorted.',
  }),
  size: Type.Integer({ minimum: 1 }),
  merges: Type.Array(MergeRecordSchema, {
    description: 'Merge log entries naming this canonical id, oldest first (up to 100).',
  }),
  rejections: Type.Array(
    Type.Object({
      from: Type.String({ description: 'This person’s identifier, `type:value`.' }),
      to: Type.String({ description: 'The identifier it was seen with, `type:value`.' }),
      status: Type.Union([Type.Literal('rejected'), Type.Literal('blocked')]),
      reason: Type.String(),
      messageId: Type.String(),
    }),
    { description: 'Links from this person’s identifiers that were not merged, and why.' },
  ),
  blocked: Type.Array(Type.String(), { description: 'Blocklisted identifiers of this person.' }),
})
export type IdentityLookup = Static<typeof IdentityLookupSchema>

/** The graph at a glance, as `graph.stats`, `GET /admin/identity/stats` and `patchbay identity stats --json` show it. */
export const IdentityStatsSchema = Type.Object({
  people: Type.Integer({ minimum: 0 }),
  identifiers: Type.Integer({ minimum: 0 }),
  byType: TypeCounts,
  edges: Type.Integer({ minimum: 0 }),
  rejectedMerges: Type.Integer({ minimum: 0 }),
  blockedLinks: Type.Integer({ minimum: 0 }),
  blockedIdentifiers: Type.Array(Type.String()),
  merges: Type.Integer({ minimum: 0, description: 'Merge log size.' }),
  largest: Type.Array(
    Type.Object({ canonicalId: Type.String(), size: Type.Integer({ minimum: 1 }), byType: TypeCounts }),
  ),
})
export type IdentityStats = Static<typeof IdentityStatsSchema>
