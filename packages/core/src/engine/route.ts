import type { PatchbayEvent } from '@patchbay/protocol'
import { checkConsent } from '../consent/check-consent.ts'
import type { ConsentRequirement, ConsentWhenMissing } from '../consent/consent-schema.ts'
import { type ConsentView, readConsent } from '../consent/read-consent.ts'
import { UnsupportedEventError } from '../errors/errors.ts'
import type { EventFilter } from '../pipeline/pipeline-schema.ts'

/** True when the event passes a step's `filter` (types and track event names). */
export function matchesFilter(event: PatchbayEvent, filter: EventFilter | undefined): boolean {
  if (!filter) return true
  if (filter.types && !filter.types.includes(event.type)) return false
  if (filter.events) {
    if (event.type !== 'track') return false
    if (!filter.events.includes(event.event)) return false
  }
  return true
}

/**
 * Honours the event's `integrations` object as Segment and RudderStack do: a destination
 * named with `true`/`false` (by any of its `names`) gets exactly that; otherwise `All`
 * decides (default true). Names compare case-insensitively. When keys name the destination
 * in more than one way, the most specific wins, in the order of `names` (the step id, then
 * the plugin's short name, then its title), whatever the order of the keys: with
 * `{ orders: false, webhook: true }`, the step `orders` of the webhook plugin gets nothing.
 *
 * @example
 * isRoutedTo({ All: false, Webhook: true }, ['webhook', 'Webhook']) // true
 */
export function isRoutedTo(integrations: unknown, names: readonly string[]): boolean {
  if (typeof integrations !== 'object' || integrations === null) return true
  const entries = integrations as Record<string, unknown>
  const keys = Object.keys(entries)
  if (keys.length === 0) return true
  const lowered = keys.map((key) => key.toLowerCase())
  for (const name of names) {
    const wanted = name.toLowerCase()
    for (let k = 0; k < keys.length; k++) {
      if (lowered[k] !== wanted || keys[k] === 'All') continue
      const value = entries[keys[k]!]
      if (value === false) return false
      if (value === true || (typeof value === 'object' && value !== null)) return true
    }
  }
  return entries.All !== false
}

/** What routing needs to know of a destination: the pipeline's `routes` lists one per destination. */
export interface RouteTarget {
  /** The destination step's id. */
  id: string
  /** `destinations.<id>`. */
  label: string
  /** `name@version` of its plugin. */
  source: string
  /** Names the event's `integrations` object may use for it (step id, short name, title). */
  names: readonly string[]
  filter: EventFilter | undefined
  /** The event types its plugin takes. */
  supports: readonly string[]
  /** The consent it needs (`destinations[].consent`); none: consent is not checked. */
  consent?: ConsentRequirement | undefined
}

/** What the route stage knows of an event besides the event: where it came from. */
export interface RouteContext {
  /**
   * What an event without consent information gets at a destination with consent
   * requirements: its source's `consent.whenMissing` (default `allow`).
   */
  whenMissing?: ConsentWhenMissing
  /** The event's consent, read once for every destination; `routeTo` reads it when absent. */
  consent?: ConsentView
}

/**
 * Where an event goes at one destination: `routed` (deliver it), `dropped` (by its
 * `integrations`, the step's `filter`, or for want of the `consent` the destination needs:
 * a normal outcome), or `failed` (the plugin does not take that event type: a configuration
 * problem worth a dead letter).
 */
export type RouteDecision =
  | { destination: string; status: 'routed' }
  | { destination: string; status: 'dropped'; reason: 'integrations' | 'filter' }
  | {
      destination: string
      status: 'dropped'
      reason: 'consent'
      /** The required categories the event does not consent to. */
      unmet: readonly string[]
      /** `missing`: no consent information on the event, and its source's `whenMissing` is `deny`. */
      because: 'not_consented' | 'missing'
    }
  | { destination: string; status: 'failed'; error: UnsupportedEventError }

/**
 * The route stage for one destination: pure, no I/O, so a host can ask it before it
 * persists anything (the gateway queues jobs only for `routed` destinations). Checks, in
 * order: the event's `integrations`, the step's `filter`, the destination's `consent`
 * (before its transform sees the event), and whether the plugin takes the event's type.
 */
export function routeTo(
  event: PatchbayEvent,
  target: RouteTarget,
  context: RouteContext = {},
): RouteDecision {
  if (!isRoutedTo(event.integrations, target.names))
    return { destination: target.id, status: 'dropped', reason: 'integrations' }
  if (!matchesFilter(event, target.filter))
    return { destination: target.id, status: 'dropped', reason: 'filter' }
  if (target.consent) {
    const check = checkConsent(
      context.consent ?? readConsent(event),
      target.consent,
      context.whenMissing ?? 'allow',
    )
    if (!check.ok)
      return {
        destination: target.id,
        status: 'dropped',
        reason: 'consent',
        unmet: check.unmet,
        because: check.because,
      }
  }
  if (!target.supports.includes(event.type))
    return {
      destination: target.id,
      status: 'failed',
      error: new UnsupportedEventError(
        `${target.label} (${target.source}) does not support ${event.type} events`,
        {
          plugin: target.source,
          step: target.label,
          messageId: event.messageId,
          hint: `It supports ${target.supports.join(', ')}. Add \`filter: { types: [${target.supports.join(', ')}] }\` to the destination to skip the others.`,
        },
      ),
    }
  return { destination: target.id, status: 'routed' }
}

/**
 * The route stage: one decision per destination, in the pipeline's order. The event's
 * consent is read once, and only when a destination has consent requirements.
 *
 * @example
 * const decisions = route(event, pipeline.routes, { whenMissing: 'deny' })
 * const targets = decisions.filter((d) => d.status === 'routed').map((d) => d.destination)
 */
export function route(
  event: PatchbayEvent,
  targets: readonly RouteTarget[],
  context: RouteContext = {},
): RouteDecision[] {
  const shared =
    context.consent === undefined && targets.some((t) => t.consent)
      ? { ...context, consent: readConsent(event) }
      : context
  return targets.map((target) => routeTo(event, target, shared))
}
