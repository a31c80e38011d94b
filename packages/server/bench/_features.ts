// The gateway features whose ingest cost features.bench.ts measures, as changes to the bench
// pipeline (_bodies.ts): a tracking plan the bench events follow, and identity stitching.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { WRITE_KEY } from './_bodies.ts'

export const FEATURES = ['plan', 'identity'] as const
export type Feature = (typeof FEATURES)[number]

/** The plan of the bench's one event (`Order Completed`, see _bodies.ts): every event follows it. */
const PLAN = `name: bench
version: 1
settings: { additionalProperties: false }
track:
  Order Completed:
    properties:
      orderId: { type: string }
      total: { type: number, minimum: 0 }
      currency: { type: string, enum: [EUR, USD, GBP] }
      items: { type: integer, minimum: 1 }
    required: [orderId, total, currency]
`

/** `yaml` with `feature` turned on; files it needs are written to `dir`. */
export function withFeature(yaml: string, feature: Feature, dir: string): string {
  if (feature === 'identity') return `${yaml}\nidentity: {}\n`
  const file = join(dir, 'tracking-plan.yaml')
  writeFileSync(file, PLAN)
  const source = `    writeKey: ${WRITE_KEY}\n`
  if (!yaml.includes(source)) throw new Error('the bench pipeline has no web source to attach a plan to')
  return yaml.replace(
    source,
    `${source}    trackingPlan: { file: ${JSON.stringify(file)}, version: 1, actions: { default: drop } }\n`,
  )
}
