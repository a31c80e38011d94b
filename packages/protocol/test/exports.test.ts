import { expect, it } from 'vitest'
import * as protocol from '../src/index.ts'

// A change to the public API shows up here in review: update the snapshot deliberately.
it('exports a stable public API', () => {
  expect(Object.keys(protocol).sort()).toMatchInlineSnapshot(`
    [
      "AliasEventSchema",
      "BatchEnvelopeSchema",
      "ContextSchema",
      "EVENT_SCHEMAS",
      "EVENT_TYPES",
      "EventSchema",
      "EventTypeSchema",
      "GroupEventSchema",
      "IdentifyEventSchema",
      "IntegrationsSchema",
      "PROTOCOL_VERSION",
      "PageEventSchema",
      "ScreenEventSchema",
      "TrackEventSchema",
      "ValidationIssueSchema",
      "isEventType",
      "normalizeEvent",
      "protocolJsonSchemas",
      "validateBatch",
      "validateEvent",
    ]
  `)
})
