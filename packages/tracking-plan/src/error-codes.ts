import { defineErrorCodes } from '@patchbay/core'

/**
 * The error codes of @patchbay/tracking-plan. Registered in core's registry when this module
 * loads; documented in docs/errors.md. Add new codes at the end; never rename one.
 */
export const TRACKING_PLAN_ERROR_CODES = defineErrorCodes('@patchbay/tracking-plan', {
  PB_PLAN_INVALID: {
    family: 'configuration',
    description:
      'A tracking plan file cannot be read, is not valid YAML/JSON, or does not follow the plan schema (the message names file:line, the event and the field).',
    howToSolve:
      'Fix the plan at the reported position; `patchbay plan check plan.yaml events.jsonl` loads it the same way.',
  },
  PB_PLAN_VERSION: {
    family: 'configuration',
    description: 'The pipeline names a tracking plan version other than the one the plan file declares.',
    howToSolve:
      "Bump `trackingPlan.version` in the pipeline to the plan's `version` once you mean to enforce it (see `patchbay plan diff` for what breaks).",
  },
  PB_PLAN_DESTINATION: {
    family: 'configuration',
    description: '`trackingPlan.violationsTo` names a destination the pipeline does not have.',
    howToSolve: "Use the id of one of the pipeline's destinations, or remove `violationsTo`.",
  },
})

declare module '@patchbay/core' {
  interface ErrorCodeRegistry extends TrackingPlanErrorCodes {}
}
type TrackingPlanErrorCodes = typeof TRACKING_PLAN_ERROR_CODES
