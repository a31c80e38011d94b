import fc from 'fast-check'
import { Value } from 'typebox/value'
import { describe, expect, it } from 'vitest'
import {
  type ConsentView,
  RudderStackConsentSchema,
  readConsent,
  SegmentConsentSchema,
} from '../../src/index.ts'

const withContext = (context: unknown) => ({ type: 'track', event: 'Clicked', context })
const plain = (view: ConsentView) => ({
  ...view,
  granted: [...view.granted].sort(),
  denied: [...view.denied].sort(),
})

describe('readConsent', () => {
  it("reads Segment's categoryPreferences: true is consented, false refused, the rest not consented", () => {
    const view = readConsent(
      withContext({ consent: { categoryPreferences: { Analytics: true, Advertising: false } } }),
    )
    expect(plain(view)).toEqual({
      state: 'given',
      granted: ['Analytics'],
      denied: ['Advertising'],
      unlisted: 'denied',
      shapes: ['segment'],
      issues: [],
    })
  })

  it("reads RudderStack's consentManagement with both lists, and its provider", () => {
    const view = readConsent(
      withContext({
        consentManagement: {
          provider: 'oneTrust',
          allowedConsentIds: ['C0001', 'C0002'],
          deniedConsentIds: ['C0004'],
        },
      }),
    )
    expect(plain(view)).toEqual({
      state: 'given',
      granted: ['C0001', 'C0002'],
      denied: ['C0004'],
      unlisted: 'denied',
      shapes: ['rudderstack'],
      provider: 'oneTrust',
      issues: [],
    })
  })

  it('reads denials alone as rudder-server does: what is not denied is allowed', () => {
    const view = readConsent(withContext({ consentManagement: { deniedConsentIds: ['C0004'] } }))
    expect(view.unlisted).toBe('granted')
    expect([...view.denied]).toEqual(['C0004'])
    expect(view.state).toBe('given')
  })

  it('is missing without consent fields, and with consent objects that say nothing', () => {
    for (const event of [
      { type: 'track' },
      withContext(undefined),
      withContext({}),
      withContext({ consent: {} }),
      withContext({ consentManagement: { provider: 'ketch' } }),
      null,
      'not an event',
    ])
      expect(readConsent(event)).toMatchObject({ state: 'missing', issues: [] })
  })

  it('keeps category names as they are: case-sensitive', () => {
    const view = readConsent(withContext({ consent: { categoryPreferences: { analytics: true } } }))
    expect(view.granted.has('analytics')).toBe(true)
    expect(view.granted.has('Analytics')).toBe(false)
  })

  it('lets a denial win when both shapes, or both lists, name a category, and says so', () => {
    const both = readConsent(
      withContext({
        consent: { categoryPreferences: { Analytics: true, Advertising: true } },
        consentManagement: { allowedConsentIds: ['Analytics'], deniedConsentIds: ['Advertising'] },
      }),
    )
    expect(plain(both)).toMatchObject({
      granted: ['Analytics'],
      denied: ['Advertising'],
      shapes: ['segment', 'rudderstack'],
      issues: ['conflicting'],
    })
    const lists = readConsent(
      withContext({ consentManagement: { allowedConsentIds: ['C0002'], deniedConsentIds: ['C0002'] } }),
    )
    expect(plain(lists)).toMatchObject({ granted: [], denied: ['C0002'], issues: ['conflicting'] })
  })

  it('lists consents once one shape does: a Segment map next to RudderStack denials does not allow the rest', () => {
    const view = readConsent(
      withContext({
        consent: { categoryPreferences: { Analytics: true } },
        consentManagement: { deniedConsentIds: ['Advertising'] },
      }),
    )
    expect(view.unlisted).toBe('denied')
  })

  describe('malformed consent: ignored, named in issues, never thrown', () => {
    const cases: Array<[string, unknown, Partial<Record<string, unknown>>]> = [
      ['consent is a string', { consent: 'yes' }, { state: 'missing', issues: ['segment_not_object'] }],
      [
        'categoryPreferences is an array',
        { consent: { categoryPreferences: ['Analytics'] } },
        { state: 'missing', issues: ['segment_not_object'] },
      ],
      [
        'categoryPreferences is null',
        { consent: { categoryPreferences: null } },
        { state: 'missing', issues: ['segment_not_object'] },
      ],
      [
        'consentManagement is a list',
        { consentManagement: ['C0001'] },
        { state: 'missing', issues: ['rudderstack_not_object'] },
      ],
      [
        'deniedConsentIds is a string (a hidden denial: the whole object is ignored)',
        { consentManagement: { deniedConsentIds: 'C0004' } },
        { state: 'missing', issues: ['rudderstack_not_list'] },
      ],
      [
        'allowedConsentIds is an object',
        { consentManagement: { allowedConsentIds: { C0001: true }, deniedConsentIds: [] } },
        { state: 'missing', issues: ['rudderstack_not_list'] },
      ],
    ]
    for (const [name, context, expected] of cases)
      it(name, () => {
        expect(readConsent(withContext(context))).toMatchObject(expected)
      })

    it('drops a non-boolean category value: that category is not consented to', () => {
      const view = readConsent(
        withContext({ consent: { categoryPreferences: { Analytics: 'true', Functional: true, Ads: 1 } } }),
      )
      expect(plain(view)).toMatchObject({
        state: 'given',
        granted: ['Functional'],
        denied: [],
        unlisted: 'denied',
        issues: ['segment_not_boolean'],
      })
    })

    it('drops ids that are not non-empty strings, keeping the rest', () => {
      const view = readConsent(
        withContext({
          consentManagement: { allowedConsentIds: ['C0001', 2, '', null], deniedConsentIds: [] },
        }),
      )
      expect(plain(view)).toMatchObject({ granted: ['C0001'], issues: ['rudderstack_not_string'] })
    })

    it('uses the usable shape when the other is malformed', () => {
      const view = readConsent(
        withContext({ consent: 42, consentManagement: { allowedConsentIds: ['Analytics'] } }),
      )
      expect(plain(view)).toMatchObject({
        state: 'given',
        granted: ['Analytics'],
        shapes: ['rudderstack'],
        issues: ['segment_not_object'],
      })
    })
  })
})

describe('the TypeBox schemas of both shapes', () => {
  it('describe exactly the consent fields readConsent reads without an issue', () => {
    const category = fc.constantFrom('Analytics', 'Advertising', 'C0001', '', 'x')
    const value = fc.oneof(fc.boolean(), fc.string(), fc.integer(), fc.constant(null), fc.array(category))
    const segment = fc.oneof(
      fc.record({ categoryPreferences: fc.dictionary(category, fc.oneof(fc.boolean(), value)) }),
      value,
    )
    const rudder = fc.oneof(
      fc.record(
        {
          provider: fc.constantFrom('oneTrust', 'ketch', 'custom'),
          allowedConsentIds: fc.oneof(fc.array(fc.oneof(category, value)), value),
          deniedConsentIds: fc.oneof(fc.array(fc.oneof(category, value)), value),
        },
        { requiredKeys: [] },
      ),
      value,
    )
    fc.assert(
      fc.property(segment, rudder, (consent, consentManagement) => {
        // `conflicting` is no schema matter: an id both allowed and denied is well-formed.
        const malformed = (view: ConsentView) => view.issues.filter((i) => i !== 'conflicting')
        const segmentIssues = malformed(readConsent(withContext({ consent })))
        const rudderIssues = malformed(readConsent(withContext({ consentManagement })))
        const segmentOk = Value.Check(SegmentConsentSchema, consent)
        const rudderOk = Value.Check(RudderStackConsentSchema, consentManagement)
        // An empty category name passes nothing through the schema, but reads as a (useless) category.
        const hasEmpty =
          isRecord(consent) && isRecord(consent.categoryPreferences) && '' in consent.categoryPreferences
        if (!hasEmpty) expect(segmentIssues.length === 0, JSON.stringify(consent)).toBe(segmentOk)
        expect(rudderIssues.length === 0, JSON.stringify(consentManagement)).toBe(rudderOk)
      }),
      { numRuns: 500 },
    )
  })
})

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
