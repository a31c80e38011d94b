import type { RudderStackConsentSchema, SegmentConsentSchema } from './consent-schema.ts'

/** The consent fields an event can carry. */
export type ConsentShape = 'segment' | 'rudderstack'

/**
 * Why part of an event's consent fields was ignored (a closed set: metrics count them):
 * - `segment_not_object`: `context.consent` or its `categoryPreferences` is not an object;
 * - `segment_not_boolean`: a category's value is not `true`/`false` (that category is not consented);
 * - `rudderstack_not_object`: `context.consentManagement` is not an object;
 * - `rudderstack_not_list`: `allowedConsentIds` or `deniedConsentIds` is not an array (the whole
 *   `consentManagement` is ignored: a list that cannot be read could hide a denial);
 * - `rudderstack_not_string`: an id that is not a non-empty string (that entry is ignored);
 * - `conflicting`: a category both consented and denied (denial wins).
 */
export type ConsentIssue =
  | 'segment_not_object'
  | 'segment_not_boolean'
  | 'rudderstack_not_object'
  | 'rudderstack_not_list'
  | 'rudderstack_not_string'
  | 'conflicting'

/** Every {@link ConsentIssue}, for metrics that start their series at 0. */
export const CONSENT_ISSUES: readonly ConsentIssue[] = [
  'segment_not_object',
  'segment_not_boolean',
  'rudderstack_not_object',
  'rudderstack_not_list',
  'rudderstack_not_string',
  'conflicting',
]

/**
 * One view of an event's consent, whichever SDK sent it. `missing`: the event carries no
 * usable consent information (no consent fields, or only malformed ones); the source's
 * `consent.whenMissing` decides then.
 */
export interface ConsentView {
  state: 'given' | 'missing'
  /** Categories (consent ids) the user consented to. */
  granted: ReadonlySet<string>
  /** Categories the user refused. Never overlaps `granted`: denial wins. */
  denied: ReadonlySet<string>
  /**
   * What a category in neither set means. `denied` when the event lists consents (Segment's
   * map, RudderStack's `allowedConsentIds`): what is not listed was not consented to.
   * `granted` when it lists only denials (RudderStack's `deniedConsentIds` alone, as
   * rudder-server reads it): what is not denied is allowed.
   */
  unlisted: 'granted' | 'denied'
  /** The consent fields that were read. */
  shapes: readonly ConsentShape[]
  /** RudderStack's `provider` (oneTrust, ketch, custom, ...), when given. */
  provider?: string
  /** What was malformed and ignored, once per reason. */
  issues: readonly ConsentIssue[]
}

const BIT = Object.fromEntries(CONSENT_ISSUES.map((issue, i) => [issue, 1 << i])) as Record<
  ConsentIssue,
  number
>
const issueList = (bits: number): readonly ConsentIssue[] =>
  bits === 0 ? NONE.issues : CONSENT_ISSUES.filter((issue) => (bits & BIT[issue]) !== 0)

const EMPTY: ReadonlySet<string> = new Set()
const NONE: ConsentView = Object.freeze({
  state: 'missing',
  granted: EMPTY,
  denied: EMPTY,
  unlisted: 'granted',
  shapes: Object.freeze([]),
  issues: Object.freeze([]),
}) as ConsentView

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** What the shapes read so far add up to. */
interface Reading {
  granted: Set<string>
  denied: Set<string>
  /** Issues as bits of {@link CONSENT_ISSUES} (no allocation on the common, clean path). */
  issues: number
  /** A shape lists consents, so what it does not list was not consented to. */
  listsGrants: boolean
}

/** Segment's `context.consent`: true if it held usable consent information. */
function readSegment(consent: unknown, into: Reading): boolean {
  if (consent === undefined) return false
  if (!isObject(consent)) {
    into.issues |= BIT.segment_not_object
    return false
  }
  const prefs = consent.categoryPreferences
  if (prefs === undefined) return false
  if (!isObject(prefs)) {
    into.issues |= BIT.segment_not_object
    return false
  }
  for (const category of Object.keys(prefs)) {
    const value = prefs[category]
    if (value === true) into.granted.add(category)
    else if (value === false) into.denied.add(category)
    else into.issues |= BIT.segment_not_boolean
  }
  into.listsGrants = true
  return true
}

/** Adds the ids to `to`; true when one was not a non-empty string (and was skipped). */
function readIds(list: readonly unknown[], to: Set<string>): boolean {
  let skipped = false
  for (const id of list) {
    if (typeof id === 'string' && id !== '') to.add(id)
    else skipped = true
  }
  return skipped
}

/** RudderStack's `context.consentManagement`: true if it held usable consent information. */
function readRudderStack(management: unknown, into: Reading): boolean {
  if (management === undefined) return false
  if (!isObject(management)) {
    into.issues |= BIT.rudderstack_not_object
    return false
  }
  const { allowedConsentIds: allowed, deniedConsentIds: denied } = management
  if (
    (allowed !== undefined && !Array.isArray(allowed)) ||
    (denied !== undefined && !Array.isArray(denied))
  ) {
    into.issues |= BIT.rudderstack_not_list
    return false
  }
  if (allowed === undefined && denied === undefined) return false
  if (allowed) {
    if (readIds(allowed, into.granted)) into.issues |= BIT.rudderstack_not_string
    into.listsGrants = true
  }
  if (denied && readIds(denied, into.denied)) into.issues |= BIT.rudderstack_not_string
  return true
}

/**
 * Reads an event's consent into one view: Segment's `context.consent.categoryPreferences`
 * and RudderStack's `context.consentManagement`, either or both (their shapes:
 * {@link SegmentConsentSchema}, {@link RudderStackConsentSchema}). Pure and total: it never
 * throws, whatever the event holds. Malformed parts are ignored and named in `issues`; an
 * event whose consent fields are all unusable reads as `missing`.
 *
 * When both shapes (or both RudderStack lists) name a category, a denial anywhere wins; what
 * neither lists counts as not consented to as soon as one shape lists consents.
 *
 * @example
 * readConsent({ type: 'track', context: { consent: { categoryPreferences: { Analytics: true, Ads: false } } } })
 * // { state: 'given', granted: Set { 'Analytics' }, denied: Set { 'Ads' }, unlisted: 'denied', shapes: ['segment'], issues: [] }
 */
export function readConsent(event: unknown): ConsentView {
  const context = isObject(event) ? event.context : undefined
  if (!isObject(context)) return NONE
  const { consent, consentManagement } = context
  if (consent === undefined && consentManagement === undefined) return NONE
  const reading: Reading = { granted: new Set(), denied: new Set(), issues: 0, listsGrants: false }
  const segment = readSegment(consent, reading)
  const rudder = readRudderStack(consentManagement, reading)
  const { granted, denied } = reading
  if (!segment && !rudder) return { ...NONE, issues: issueList(reading.issues) }
  if (granted.size > 0)
    for (const category of denied) if (granted.delete(category)) reading.issues |= BIT.conflicting
  const shapes: ConsentShape[] = segment
    ? rudder
      ? ['segment', 'rudderstack']
      : ['segment']
    : ['rudderstack']
  const provider = rudder ? (consentManagement as { provider?: unknown }).provider : undefined
  return {
    state: 'given',
    granted,
    denied,
    unlisted: reading.listsGrants ? 'denied' : 'granted',
    shapes,
    ...(typeof provider === 'string' && provider !== '' ? { provider } : {}),
    issues: issueList(reading.issues),
  }
}
