import type { ConsentRequirement, ConsentWhenMissing } from './consent-schema.ts'
import type { ConsentView } from './read-consent.ts'

/** The answer of {@link checkConsent}. */
export type ConsentCheck =
  | { ok: true }
  | {
      ok: false
      /** The required categories the event does not consent to. */
      unmet: readonly string[]
      /** `missing`: the event had no usable consent information, and the policy is `deny`. */
      because: 'not_consented' | 'missing'
    }

const OK: ConsentCheck = Object.freeze({ ok: true })

/** Whether the view consents to one category (see `ConsentView.unlisted`). */
export function consentsTo(view: ConsentView, category: string): boolean {
  if (view.granted.has(category)) return true
  if (view.denied.has(category)) return false
  return view.unlisted === 'granted'
}

/**
 * Whether an event's consent meets a destination's requirement: with `match: all` (the
 * default) every category must be consented to, with `any` at least one. An event without
 * consent information (`view.state === 'missing'`) meets every requirement when `whenMissing`
 * is `allow`, and none when it is `deny`. Category names compare exactly (case-sensitive).
 *
 * @example
 * checkConsent(readConsent(event), { categories: ['Advertising'] }, 'allow')
 * // { ok: false, unmet: ['Advertising'], because: 'not_consented' } when the user said no
 */
export function checkConsent(
  view: ConsentView,
  requirement: ConsentRequirement,
  whenMissing: ConsentWhenMissing,
): ConsentCheck {
  if (view.state === 'missing')
    return whenMissing === 'allow' ? OK : { ok: false, unmet: requirement.categories, because: 'missing' }
  const { categories } = requirement
  let met = 0
  for (const category of categories) if (consentsTo(view, category)) met++
  const ok = requirement.match === 'any' ? met > 0 : met === categories.length
  if (ok) return OK
  return { ok: false, unmet: categories.filter((c) => !consentsTo(view, c)), because: 'not_consented' }
}
