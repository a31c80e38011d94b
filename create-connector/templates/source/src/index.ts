import { defineSource, InvalidEventError } from '@patchbay/core'
import Type from 'typebox'
import pkg from '../package.json' with { type: 'json' }

/** What users write under `config:` in a pipeline. */
const config = Type.Object({
  eventName: Type.String({
    minLength: 1,
    default: 'Webhook Received',
    description: 'The track event name used when a submission has no `event`',
  }),
})

/** One submission as the sending service posts it. */
interface Submission {
  event?: unknown
  userId?: unknown
  anonymousId?: unknown
  properties?: unknown
  timestamp?: unknown
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Checks one submission and names the first field that is wrong, as a JSON pointer. */
function toTrack(item: unknown, at: string, eventName: string) {
  if (!isObject(item)) throw new InvalidEventError(`${at || 'the body'} must be a JSON object`, { field: at || '/' })
  const submission = item as Submission
  if (typeof submission.userId !== 'string' && typeof submission.anonymousId !== 'string')
    throw new InvalidEventError(`${at || 'the body'} needs a userId or an anonymousId (a string)`, {
      field: `${at}/userId`,
    })
  if (submission.properties !== undefined && !isObject(submission.properties))
    throw new InvalidEventError(`${at}/properties must be an object`, { field: `${at}/properties` })
  return {
    type: 'track',
    event: typeof submission.event === 'string' ? submission.event : eventName,
    userId: submission.userId,
    anonymousId: submission.anonymousId,
    properties: submission.properties ?? {},
    timestamp: submission.timestamp,
  }
}

/**
 * {{description}}
 *
 * Accepts one submission `{ event?, userId | anonymousId, properties?, timestamp? }` or an
 * array of them, and answers 202 with how many it accepted.
 */
export default defineSource({
  name: pkg.name,
  version: pkg.version,
  apiVersion: 1,
  title: '{{title}}',
  description: pkg.description,
  config,
  examples: [{ eventName: 'Webhook Received' }],
  parse: (request, { config }) => {
    const body = request.body
    const items = Array.isArray(body) ? body : [body]
    if (items.length === 0) throw new InvalidEventError('the body is an empty array', { field: '/' })
    // All or nothing: one bad submission refuses the whole request, so a retry is clean.
    const events = items.map((item, index) => toTrack(item, Array.isArray(body) ? `/${index}` : '', config.eventName))
    return { events, response: { status: 202, body: { accepted: events.length } } }
  },
})
