import { BatchEnvelopeSchema } from './batch.ts'
import { EVENT_SCHEMAS, EventSchema } from './events.ts'

const BASE = 'https://patchbay.dev/schemas/protocol/v1'

/**
 * The protocol as standalone JSON Schema documents (draft 2020-12), by file name. The
 * build writes them to `@patchbay/protocol/schemas/<name>`, for non-TypeScript consumers
 * and UIs; a test checks the shipped files against this function.
 */
export function protocolJsonSchemas(): Record<string, object> {
  const document = (name: string, schema: object) => ({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `${BASE}/${name}`,
    ...JSON.parse(JSON.stringify(schema)),
  })
  const files: Record<string, object> = {}
  for (const [type, schema] of Object.entries(EVENT_SCHEMAS))
    files[`${type}.json`] = document(`${type}.json`, schema)
  files['event.json'] = document('event.json', EventSchema)
  files['batch.json'] = document('batch.json', BatchEnvelopeSchema)
  return files
}
