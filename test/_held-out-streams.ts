/**
 * Event streams of the kind held-out tests send to a warehouse (the shapes RudderStack and
 * Segment document), shared by the DuckDB and PostgreSQL destinations' held-out tests: the
 * same inputs and the same expected rows, each checked by its engine's SQL.
 */
export const AT = '2026-12-01T10:00:00.000Z'

/** An alias with traits: they land as columns of `aliases`. */
export const ALIAS_WITH_TRAITS = [
  {
    type: 'alias',
    messageId: 'al1',
    userId: 'u1',
    previousId: 'anon-1',
    traits: { email: 'a@example.com', plan: { tier: 'pro' } },
    timestamp: AT,
  },
]
export const ALIAS_ROW = {
  id: 'al1',
  previous_id: 'anon-1',
  user_id: 'u1',
  email: 'a@example.com',
  plan_tier: 'pro',
}

const planTrack = (id: string, properties: Record<string, unknown>) => ({
  type: 'track',
  messageId: id,
  userId: 'u1',
  event: 'Plan Chosen',
  properties,
  timestamp: AT,
})
/** `plan` is first a string, so its column is text; `seats` first an int. */
export const PLAN_FIRST = [planTrack('a', { plan: 'free', seats: 1 })]
export const PLAN_THEN = [
  planTrack('b', { plan: 2 }),
  planTrack('c', { plan: true }),
  planTrack('d', { plan: 1.5 }),
  planTrack('e', { plan: [1, 'x'] }),
  planTrack('f', { plan: AT, seats: 'many' }),
]
/** Every later value lands as its text in the string column. */
export const PLAN_ROWS = [
  { id: 'a', plan: 'free' },
  { id: 'b', plan: '2' },
  { id: 'c', plan: 'true' },
  { id: 'd', plan: '1.5' },
  { id: 'e', plan: '[1,"x"]' },
  { id: 'f', plan: AT },
]
/** Only what has no text form in its column is discarded: a string in an int column. */
export const PLAN_DISCARDS = [
  { row_id: 'f', column_name: 'seats', value: 'many', reason: 'a string value does not fit the int column' },
]

/** Lone surrogates in an array, in text and in an identify's traits (the `users` row's JSON). */
export const LONE_SURROGATES = [
  {
    type: 'track',
    messageId: 's1',
    userId: 'u1',
    event: 'Tagged',
    properties: { tags: ['a\ud800b', 'ok'], note: 'x\udc00y' },
    timestamp: AT,
  },
  {
    type: 'identify',
    messageId: 'i1',
    userId: 'u1',
    traits: { tags: ['\udfff', 'C:\\udfff'] },
    timestamp: AT,
  },
]

/** An identify whose userId is only whitespace, and an ordinary one. */
export const BLANK_USER_ID = [
  {
    type: 'identify',
    messageId: 'i1',
    userId: '   ',
    anonymousId: 'anon-1',
    traits: { plan: 'free' },
    timestamp: AT,
  },
  { type: 'identify', messageId: 'i2', userId: 'u2', traits: { plan: 'pro' }, timestamp: AT },
]
export const BLANK_USER_ID_IDENTIFIES = [
  { id: 'i1', plan: 'free' },
  { id: 'i2', plan: 'pro' },
]
export const BLANK_USER_ID_USERS = [{ id: 'u2', plan: 'pro' }]
