import { Compile } from 'typebox/compile'
import { RudderStackConsentSchema, SegmentConsentSchema } from './consent-schema.ts'

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

const segmentShape = Compile(SegmentConsentSchema)
const rudderShape = Compile(RudderStackConsentSchema)
const EMPTY: ReadonlySet<string> = new Set()
const NONE: ConsentView = Object.freeze({
  state: 'missing',
  granted: EMPTY,
  denied: EMPTY,
  unlisted: 'granted',
  shapes: [],
  issues: [],
}) as ConsentView

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

interface Partial {
  granted: Set<string>
  denied: Set<string>
  /** The shape lists consents, so what it does not list was not consented to. */
  listsGrants: boolean
}

function readSegment(consent: unknown, issues: Set<ConsentIssue>): Partial | undefined {
  if (consent === undefined) return undefined
  if (!isObject(consent)) {
    issues.add('segment_not_object')
    return undefined
  }
  const prefs = consent.categoryPreferences
  if (prefs === undefined) return undefined
  if (!isObject(prefs)) {
    issues.add('segment_not_object')
    return undefined
  }
  const granted = new Set<string>()
  const denied = new Set<string>()
  if (segmentShape.Check(consent)) {
    for (const [category, value] of Object.entries(prefs)) (value ? granted : denied).add(category)
  } else {
    for (const [category, value] of Object.entries(prefs)) {
      if (value === true) granted.add(category)
      else if (value === false) denied.add(category)
      else issues.add('segment_not_boolean')
    }
  }
  return { granted, denied, listsGrants: true }
}

function readIds(list: unknown, issues: Set<ConsentIssue>): string[] {
  const ids: string[] = []
  for (const id of list as unknown[]) {
    if (typeof id === 'string' && id !== '') ids.push(id)
    else issues.add('rudderstack_not_string')
  }
  return ids
}

function readRudderStack(
  management: unknown,
  issues: Set<ConsentIssue>,
): (Partial & { provider?: string }) | undefined {
  if (management === undefined) return undefined
  if (!isObject(management)) {
    issues.add('rudderstack_not_object')
    return undefined
  }
  const { allowedConsentIds: allowed, deniedConsentIds: denied, provider } = management
  if (
    (allowed !== undefined && !Array.isArray(allowed)) ||
    (denied !== undefined && !Array.isArray(denied))
  ) {
    issues.add('rudderstack_not_list')
    return undefined
  }
  if (allowed === undefined && denied === undefined) return undefined
  const valid = rudderShape.Check(management)
  const read = (list: unknown) =>
    list === undefined ? [] : valid ? (list as string[]) : readIds(list, issues)
  return {
    granted: new Set(read(allowed)),
    denied: new Set(read(denied)),
    listsGrants: allowed !== undefined,
    ...(typeof provider === 'string' && provider !== '' ? { provider } : {}),
  }
}

/**
 * Reads an event's consent into one view: Segment's `context.consent.categoryPreferences`
 * and RudderStack's `context.consentManagement`, either or both. Pure and total: it never
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
  const issues = new Set<ConsentIssue>()
  const segment = readSegment(consent, issues)
  const rudder = readRudderStack(consentManagement, issues)
  const parts = [segment, rudder].filter((p): p is Partial => p !== undefined)
  if (parts.length === 0) return { ...NONE, issues: [...issues] }
  const granted = new Set<string>()
  const denied = new Set<string>()
  for (const part of parts) {
    for (const category of part.granted) granted.add(category)
    for (const category of part.denied) denied.add(category)
  }
  for (const category of denied) {
    if (granted.delete(category)) issues.add('conflicting')
  }
  return {
    state: 'given',
    granted,
    denied,
    unlisted: parts.some((p) => p.listsGrants) ? 'denied' : 'granted',
    shapes: [...(segment ? ['segment' as const] : []), ...(rudder ? ['rudderstack' as const] : [])],
    ...(rudder?.provider ? { provider: rudder.provider } : {}),
    issues: [...issues],
  }
}
