import { type Static, Type } from 'typebox'

/**
 * What the gateway sends the console page, as JSON: the one definition both sides use. The
 * gateway builds these records (@patchbay/server, src/console/); the page (web/) renders
 * them, as text only.
 */

/** Where an event stands at one destination. */
export const DestinationStatusSchema = Type.Union([
  Type.Literal('queued'),
  Type.Literal('in_flight'),
  Type.Literal('retrying'),
  Type.Literal('delivered'),
  Type.Literal('dropped'),
  Type.Literal('dead_letter'),
  Type.Literal('not_routed'),
])
export type DestinationStatus = Static<typeof DestinationStatusSchema>

export const DestinationOutcomeSchema = Type.Object({
  status: DestinationStatusSchema,
  attempts: Type.Integer({ minimum: 0, description: 'Failed attempts so far.' }),
  nextAt: Type.Optional(Type.Number({ description: 'When a retry is due (ms since the epoch).' })),
  error: Type.Optional(Type.String({ description: 'The last error, or why it is a dead letter.' })),
  reason: Type.Optional(Type.String({ description: 'Why the destination dropped it.' })),
  output: Type.Optional(
    Type.Unknown({
      description: 'The event as this destination gets it, when the transformations changed it.',
    }),
  ),
  exchanges: Type.Optional(
    Type.Array(Type.Unknown(), {
      description: 'The redacted, size-capped request/response records of the last attempt.',
    }),
  ),
  updatedAt: Type.Number(),
})
export type DestinationOutcome = Static<typeof DestinationOutcomeSchema>

/** What one transformation step did to the event (or to one of the events it became). */
export const StepSnapshotSchema = Type.Object({
  step: Type.String({ description: "The step's id (`transformations[].id`)." }),
  status: Type.Union([Type.Literal('ran'), Type.Literal('skipped'), Type.Literal('failed')], {
    description: '`skipped`: its filter did not match; `ran` with no `after`: it dropped the event.',
  }),
  before: Type.Unknown({ description: 'The event the step was given.' }),
  after: Type.Optional(Type.Array(Type.Unknown(), { description: 'What it returned (ran).' })),
  error: Type.Optional(Type.String({ description: 'Why it failed (redacted).' })),
})
export type StepSnapshot = Static<typeof StepSnapshotSchema>

/** What the console knows about one recent event. */
export const ConsoleRecordSchema = Type.Object({
  id: Type.Integer({
    description: "The console's own sequence number (ascending, never reused in a gateway's life).",
  }),
  sourceId: Type.String(),
  messageId: Type.String(),
  type: Type.String(),
  name: Type.Optional(Type.String({ description: "The track event's name, or the page/screen name." })),
  userId: Type.Optional(Type.String()),
  anonymousId: Type.Optional(Type.String()),
  receivedAt: Type.Number(),
  event: Type.Unknown({ description: 'The normalised event, as stored.' }),
  destinations: Type.Record(Type.String(), DestinationOutcomeSchema),
  steps: Type.Optional(
    Type.Array(StepSnapshotSchema, {
      description:
        'What each transformation step did, in chain order: kept for events the live view sampled while a console watched.',
    }),
  ),
})
export type ConsoleRecord = Static<typeof ConsoleRecordSchema>

/** A dead letter as the admin API lists it. */
export const DeadLetterViewSchema = Type.Object({
  id: Type.Integer(),
  destinationId: Type.String(),
  messageId: Type.String(),
  payload: Type.Unknown(),
  step: Type.Union([Type.Literal('transformations'), Type.Literal('delivery')]),
  sourceId: Type.Optional(Type.String()),
  attempts: Type.Integer({ minimum: 0 }),
  reason: Type.String(),
  createdAt: Type.Number(),
  abortedAt: Type.Number(),
})
export type DeadLetterView = Static<typeof DeadLetterViewSchema>

/** The pipeline's shape and the console's limits, sent once when the page opens. */
export const OverviewSchema = Type.Object({
  sources: Type.Array(Type.String()),
  destinations: Type.Array(Type.String()),
  transformations: Type.Array(Type.String()),
  recentCapacity: Type.Integer({ description: 'How many recent events the look-up keeps.' }),
  liveEventsPerSecond: Type.Number({ description: 'At most this many events a second reach the live view.' }),
  missedByConsole: Type.Integer({
    minimum: 0,
    description: 'Events the console did not record because its observer fell behind.',
  }),
})
export type Overview = Static<typeof OverviewSchema>

/** Where a stored event stands: not yet processed, a job of a destination, or a dead letter. */
export const StoredStateSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('waiting'),
  Type.Literal('in_flight'),
  Type.Literal('retrying'),
  Type.Literal('dead_letter'),
])
export type StoredState = Static<typeof StoredStateSchema>

/** An event the store holds, found by messageId or user (the look-up beyond the recent events). */
export const StoredMatchSchema = Type.Object({
  state: StoredStateSchema,
  /** The event's seq (pending), the job's id, or the dead letter's id. */
  id: Type.Integer(),
  messageId: Type.String(),
  destinationId: Type.Optional(Type.String({ description: 'Absent for a pending event (not yet routed).' })),
  sourceId: Type.Optional(Type.String()),
  attempts: Type.Integer({
    minimum: 0,
    description: 'Failed delivery attempts (transform attempts when pending).',
  }),
  nextAt: Type.Optional(Type.Number({ description: 'When the job is due (ms since the epoch).' })),
  error: Type.Optional(Type.String({ description: "The job's last error, or why it is a dead letter." })),
  at: Type.Number({ description: 'When it was stored, queued, or made a dead letter (ms since the epoch).' }),
  event: Type.Unknown({ description: 'The event: as stored, or as this destination gets it.' }),
})
export type StoredMatch = Static<typeof StoredMatchSchema>

/** What `GET /console/api/lookup` answers. */
export const LookupResultSchema = Type.Object({
  recent: Type.Array(ConsoleRecordSchema, {
    description: 'Among the recent events in memory, with outcomes.',
  }),
  recentCapacity: Type.Integer(),
  stored: Type.Array(StoredMatchSchema, {
    description: 'In the store: pending events, queued, in-flight and retrying jobs, dead letters.',
  }),
  storedLimit: Type.Integer({ description: 'At most this many stored matches are returned.' }),
  storedComplete: Type.Boolean({
    description: 'False when the search stopped at its limit of matches or of rows scanned.',
  }),
})
export type LookupResult = Static<typeof LookupResultSchema>
