/** The violation types RudderStack users know, with their spelling. */
export type ViolationType =
  | 'Unplanned-Event'
  | 'Required-Missing'
  | 'Datatype-Mismatch'
  | 'Additional-Properties'
  | 'Unknown-Violation'

export const VIOLATION_TYPES: readonly ViolationType[] = [
  'Unplanned-Event',
  'Required-Missing',
  'Datatype-Mismatch',
  'Additional-Properties',
  'Unknown-Violation',
]

/**
 * One violation, in the shape of RudderStack's `context.violationErrors` entries:
 * `meta.instancePath` points into the event (`/properties/total`), `meta.schemaPath` into the
 * plan's schema for it.
 */
export interface Violation {
  type: ViolationType
  message: string
  meta: {
    instancePath?: string
    schemaPath?: string
    missingProperty?: string
    additionalProperty?: string
    keyword?: string
  }
}

/** Maps a JSON Schema error keyword to its violation type, as RudderStack does. */
export function violationType(keyword: string): ViolationType {
  switch (keyword) {
    case 'required':
      return 'Required-Missing'
    case 'type':
      return 'Datatype-Mismatch'
    case 'additionalProperties':
      return 'Additional-Properties'
    default:
      return 'Unknown-Violation'
  }
}
