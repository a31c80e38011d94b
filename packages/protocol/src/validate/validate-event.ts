import { Compile } from 'typebox/compile'
import {
  EVENT_SCHEMAS,
  EVENT_TYPES,
  type EventType,
  isEventType,
  type PatchbayEvent,
} from '../schema/events.ts'
import { describeValue } from './_describe.ts'
import { toIssues } from './_issues.ts'
import type { ValidationIssue, ValidationResult } from './validation-issue.ts'

/** One compiled validator per call type, built once at first use. */
let validators: Record<EventType, ReturnType<typeof Compile>> | undefined
function validatorFor(type: EventType) {
  validators ??= Object.fromEntries(EVENT_TYPES.map((t) => [t, Compile(EVENT_SCHEMAS[t])])) as Record<
    EventType,
    ReturnType<typeof Compile>
  >
  return validators[type]
}

/**
 * Checks that `value` is a protocol event: its call's schema, and the identity rules
 * (every call needs `userId` or `anonymousId`; alias needs `userId` and `previousId`;
 * group needs `groupId`). Returns the typed event, or every issue with a JSON pointer
 * and a sentence a person can act on. Never throws, never mutates.
 *
 * @example
 * const result = validateEvent(JSON.parse(line))
 * if (!result.ok) for (const e of result.errors) console.error(e.message)
 * // "track event needs `event` (a non-empty string) at /event"
 */
export function validateEvent(value: unknown): ValidationResult<PatchbayEvent> {
  return validateAt(value, '')
}

/** `validateEvent` for an event nested in a larger document: paths start with `prefix`. */
export function validateAt(value: unknown, prefix: string): ValidationResult<PatchbayEvent> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail({
      path: prefix || '',
      keyword: 'type',
      message: `an event must be a JSON object, got ${describeValue(value)}`,
    })
  }
  const type = (value as { type?: unknown }).type
  if (!isEventType(type)) {
    const known = EVENT_TYPES.join(', ')
    return fail(
      type === undefined
        ? {
            path: `${prefix}/type`,
            keyword: 'required',
            message: `event needs \`type\` (one of ${known}) at ${prefix}/type`,
          }
        : {
            path: `${prefix}/type`,
            keyword: 'enum',
            message: `event \`type\` must be one of ${known}, got ${describeValue(type)}, at ${prefix}/type`,
          },
    )
  }
  const validator = validatorFor(type)
  const identity = identityIssues(type, value as Record<string, unknown>, prefix)
  if (validator.Check(value) && identity.length === 0) return { ok: true, event: value as PatchbayEvent }
  const schemaIssues = toIssues(`${type} event`, validator.Errors(value), EVENT_SCHEMAS[type], value, prefix)
  const paths = new Set(schemaIssues.map((i) => i.path))
  return { ok: false, errors: [...schemaIssues, ...identity.filter((i) => !paths.has(i.path))] }
}

const isId = (v: unknown) => typeof v === 'string' && v.length > 0

function identityIssues(type: EventType, event: Record<string, unknown>, prefix: string): ValidationIssue[] {
  if (type === 'alias') {
    return isId(event.userId)
      ? []
      : [
          {
            path: `${prefix}/userId`,
            keyword: 'identity',
            message: `alias event needs \`userId\` (the identity the user has now, a non-empty string) at ${prefix}/userId`,
          },
        ]
  }
  if (isId(event.userId) || isId(event.anonymousId)) return []
  return [
    {
      path: `${prefix}/userId`,
      keyword: 'identity',
      message: `${type} event needs \`userId\` or \`anonymousId\` (a non-empty string) at ${prefix}/userId`,
    },
  ]
}

function fail(issue: ValidationIssue): ValidationResult<never> {
  return { ok: false, errors: [issue] }
}
