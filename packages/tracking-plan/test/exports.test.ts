import { expect, it } from 'vitest'
import * as api from '../src/index.ts'

// A change to the public API shows up here in review: update the snapshot deliberately.
it('exports a stable public API', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "OTHER_TYPES",
      "PlanSettingsSchema",
      "PlannedEventSchema",
      "TRACKING_PLAN_ERROR_CODES",
      "TrackingPlanSchema",
      "VIOLATION_TYPES",
      "applyAction",
      "checkEvents",
      "compilePlan",
      "diffPlans",
      "enforcePlans",
      "entrySchema",
      "generateTypes",
      "inferPlan",
      "loadPlanFile",
      "parsePlan",
      "violationEvents",
      "violationType",
    ]
  `)
})
