import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type ConsentRequirement,
  checkConsent,
  type RouteTarget,
  readConsent,
  route,
} from '../../src/index.ts'

const segment = (prefs: Record<string, unknown>) => ({
  type: 'track',
  event: 'Clicked',
  messageId: 'm1',
  context: { consent: { categoryPreferences: prefs } },
})

describe('checkConsent', () => {
  const needs = (categories: string[], match?: 'all' | 'any'): ConsentRequirement => ({
    categories,
    ...(match ? { match } : {}),
  })

  it('all (the default): every category must be consented to', () => {
    const view = readConsent(segment({ Analytics: true, Advertising: false }))
    expect(checkConsent(view, needs(['Analytics']), 'allow')).toEqual({ ok: true })
    expect(checkConsent(view, needs(['Analytics', 'Advertising']), 'allow')).toEqual({
      ok: false,
      unmet: ['Advertising'],
      because: 'not_consented',
    })
    expect(checkConsent(view, needs(['Functional']), 'allow')).toEqual({
      ok: false,
      unmet: ['Functional'],
      because: 'not_consented',
    })
  })

  it('any: one consented category is enough', () => {
    const view = readConsent(segment({ Analytics: true, Advertising: false }))
    expect(checkConsent(view, needs(['Advertising', 'Analytics'], 'any'), 'deny')).toEqual({ ok: true })
    expect(checkConsent(view, needs(['Advertising', 'Functional'], 'any'), 'allow')).toMatchObject({
      ok: false,
      unmet: ['Advertising', 'Functional'],
    })
  })

  it("follows rudder-server's reading of denials alone: all fails on any denied id, any only when all are denied", () => {
    const view = readConsent({
      type: 'track',
      context: { consentManagement: { deniedConsentIds: ['C0004'] } },
    })
    expect(checkConsent(view, needs(['C0002', 'C0003']), 'deny')).toEqual({ ok: true })
    expect(checkConsent(view, needs(['C0002', 'C0004']), 'deny').ok).toBe(false)
    expect(checkConsent(view, needs(['C0002', 'C0004'], 'any'), 'deny').ok).toBe(true)
    expect(checkConsent(view, needs(['C0004'], 'any'), 'deny').ok).toBe(false)
  })

  it('applies whenMissing to events without (usable) consent information', () => {
    for (const event of [{ type: 'track' }, segment(null as never)]) {
      const view = readConsent(event)
      expect(checkConsent(view, needs(['Analytics']), 'allow')).toEqual({ ok: true })
      expect(checkConsent(view, needs(['Analytics']), 'deny')).toEqual({
        ok: false,
        unmet: ['Analytics'],
        because: 'missing',
      })
    }
  })

  it('compares category names exactly', () => {
    const view = readConsent(segment({ Analytics: true }))
    expect(checkConsent(view, needs(['analytics']), 'allow').ok).toBe(false)
  })
})

describe('route with consent requirements (property)', () => {
  const CATEGORIES = ['Analytics', 'Advertising', 'Functional', 'C0001', 'C0002']
  const category = fc.constantFrom(...CATEGORIES)
  /** Consent fields as SDKs send them, and as they arrive broken. */
  const anyValue = fc.oneof(fc.boolean(), fc.string(), fc.integer(), fc.constant(null), fc.array(category))
  const segmentConsent = fc.oneof(
    fc.record({ categoryPreferences: fc.dictionary(category, fc.oneof(fc.boolean(), anyValue)) }),
    anyValue,
  )
  const rudderConsent = fc.oneof(
    fc.record(
      {
        provider: fc.constantFrom('oneTrust', 'ketch', 'custom'),
        allowedConsentIds: fc.oneof(fc.array(fc.oneof(category, anyValue)), anyValue),
        deniedConsentIds: fc.oneof(fc.array(fc.oneof(category, anyValue)), anyValue),
      },
      { requiredKeys: [] },
    ),
    anyValue,
  )
  const context = fc.record(
    { consent: segmentConsent, consentManagement: rudderConsent },
    { requiredKeys: [] },
  )
  const event = fc.record({ context: fc.oneof(context, anyValue) }).map((e) => ({
    type: 'track' as const,
    event: 'Clicked',
    messageId: 'm1',
    anonymousId: 'a1',
    ...e,
  }))
  const requirement = fc.record({
    categories: fc.uniqueArray(category, { minLength: 1, maxLength: 3 }),
    match: fc.constantFrom('all' as const, 'any' as const),
  })
  const target = (id: string, consent: ConsentRequirement): RouteTarget => ({
    id,
    label: `destinations.${id}`,
    source: 'test@1.0.0',
    names: [id],
    filter: undefined,
    supports: ['track'],
    consent,
  })

  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
  /**
   * The oracle, written from the documented rules straight off the raw fields (not through
   * readConsent): `undefined` when the event has no usable consent information.
   */
  function oracle(e: { context?: unknown }): ((category: string) => boolean) | undefined {
    const ctx = isObject(e.context) ? e.context : {}
    const prefs =
      isObject(ctx.consent) && isObject(ctx.consent.categoryPreferences)
        ? ctx.consent.categoryPreferences
        : undefined
    const cm = isObject(ctx.consentManagement) ? ctx.consentManagement : undefined
    const listsOk =
      cm !== undefined &&
      (cm.allowedConsentIds === undefined || Array.isArray(cm.allowedConsentIds)) &&
      (cm.deniedConsentIds === undefined || Array.isArray(cm.deniedConsentIds)) &&
      (cm.allowedConsentIds !== undefined || cm.deniedConsentIds !== undefined)
    const rudder = listsOk
      ? (cm as { allowedConsentIds?: unknown[]; deniedConsentIds?: unknown[] })
      : undefined
    if (!prefs && !rudder) return undefined
    const listsGrants = prefs !== undefined || rudder?.allowedConsentIds !== undefined
    return (c) => {
      const denied = prefs?.[c] === false || (rudder?.deniedConsentIds ?? []).includes(c)
      const granted = prefs?.[c] === true || (rudder?.allowedConsentIds ?? []).includes(c)
      return !denied && (granted || !listsGrants)
    }
  }

  it('never routes an event to a destination whose requirement its consent does not meet', () => {
    fc.assert(
      fc.property(
        event,
        fc.array(requirement, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('allow' as const, 'deny' as const),
        (e, requirements, whenMissing) => {
          const targets = requirements.map((r, i) => target(`d${i}`, r))
          const decisions = route(e as never, targets, { whenMissing })
          const consents = oracle(e)
          decisions.forEach((decision, i) => {
            const r = requirements[i]!
            const met = consents ? r.categories.filter(consents) : []
            const allowed = consents
              ? r.match === 'all'
                ? met.length === r.categories.length
                : met.length > 0
              : whenMissing === 'allow'
            // Exactly the allowed events are routed: never more (privacy), never fewer.
            expect(decision.status === 'routed', JSON.stringify({ e, r, whenMissing })).toBe(allowed)
          })
        },
      ),
      { numRuns: 500 },
    )
  })

  it('never routes past an explicit refusal, whatever else the event says', () => {
    fc.assert(
      fc.property(event, category, (e, refused) => {
        const ctx = (
          typeof e.context === 'object' && e.context !== null && !Array.isArray(e.context) ? e.context : {}
        ) as Record<string, unknown>
        const refusing = {
          ...e,
          context: {
            ...ctx,
            consentManagement: { allowedConsentIds: [refused], deniedConsentIds: [refused] },
          },
        }
        for (const match of ['all', 'any'] as const) {
          const [decision] = route(refusing as never, [target('d', { categories: [refused], match })], {
            whenMissing: 'allow',
          })
          expect(decision).toMatchObject({ status: 'dropped', reason: 'consent' })
        }
      }),
      { numRuns: 300 },
    )
  })

  it('never throws, whatever the consent fields hold', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (consent, consentManagement) => {
        const view = readConsent({ type: 'track', context: { consent, consentManagement } })
        expect(['given', 'missing']).toContain(view.state)
      }),
      { numRuns: 500 },
    )
  })
})
