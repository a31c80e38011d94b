import type { PatchbayEvent } from '@patchbay/protocol'
import { compilePlan } from '@patchbay/tracking-plan'
import { defineBench, measureRate } from '../../../test/bench/_harness.ts'
import { plan100x20, trackEvent } from './_plan-100x20.ts'

const compiled = compilePlan(plan100x20)
const valid = Array.from({ length: 1000 }, (_, n) => trackEvent(n)) as unknown as PatchbayEvent[]
const violating = valid.map((e, n) => ({
  ...e,
  properties: { ...(e.properties as Record<string, unknown>), prop_1: `x${n}` },
}))

export default defineBench([
  {
    name: 'plan.validate',
    unit: 'events/s',
    description:
      'compiled tracking plan of 100 track events x 20 properties (10 required, enums, additionalProperties: false): valid events of all 100 names, one core',
    goal: { op: '>=', value: 500_000 },
    measure: () =>
      measureRate(() => {
        let n = 0
        for (const event of valid) if (compiled.validate(event).length === 0) n++
        if (n !== valid.length) throw new Error('bench events should follow the plan')
        return valid.length
      }),
  },
  {
    name: 'plan.validate.violating',
    unit: 'events/s',
    description:
      'the same plan, every event with a Datatype-Mismatch: the violations are collected and classified',
    measure: () =>
      measureRate(() => {
        for (const event of violating)
          if (compiled.validate(event as never).length === 0) throw new Error('should violate')
        return violating.length
      }),
  },
])
