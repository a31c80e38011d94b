import { EventTypeSchema } from '@patchbay/protocol'
import type { Static } from 'typebox'
import Type from 'typebox'
import { ConsentPolicySchema, ConsentRequirementSchema } from '../consent/consent-schema.ts'
import { DeliveryOptionsSchema } from '../delivery/delivery-options.ts'
import { EgressPolicySchema } from '../delivery/egress.ts'
import { IdentitySettingsSchema } from './identity-settings.ts'
import { SandboxSettingsSchema } from './sandbox-settings.ts'
import { TrackingPlanRefSchema } from './tracking-plan-ref.ts'

const StepId = Type.String({
  pattern: '^[A-Za-z][\\w-]*$',
  description: 'A short id for the step, used in outcomes, logs and metrics.',
})

const Config = Type.Record(Type.String(), Type.Unknown(), {
  description: 'The plugin config. `${ENV_VAR}` in strings is replaced from the environment.',
})

export const EventFilterSchema = Type.Object(
  {
    types: Type.Optional(
      Type.Array(EventTypeSchema, { minItems: 1, description: 'Only these event types.' }),
    ),
    events: Type.Optional(
      Type.Array(Type.String(), { minItems: 1, description: 'Only track events with these names.' }),
    ),
  },
  { additionalProperties: false },
)
export type EventFilter = Static<typeof EventFilterSchema>

export const SourceStepSchema = Type.Object(
  {
    id: StepId,
    use: Type.Optional(
      Type.String({
        description:
          'Plugin as name@range, or a ./path: parses webhook posts (/v1/webhook/<id>) and log lines. Without it, the source takes SDK calls only.',
      }),
    ),
    config: Type.Optional(Config),
    writeKey: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'The write key SDKs (HTTP Basic auth, the key as user name) and webhooks use to send to this source.',
      }),
    ),
    /** What this source's events without consent information get at destinations with consent requirements (overrides the pipeline's `consent`). */
    consent: Type.Optional(ConsentPolicySchema),
    trackingPlan: Type.Optional(TrackingPlanRefSchema),
    schedule: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "Cron expression (`*/15 * * * *`): the gateway runs this source's sync on it, one run at a time. For sources that pull (Singer taps, Airbyte sources).",
      }),
    ),
  },
  { additionalProperties: false },
)

export const TransformationStepSchema = Type.Object(
  {
    id: StepId,
    use: Type.Optional(Type.String({ description: 'A transformation plugin as name@range, or a ./path.' })),
    code: Type.Optional(
      Type.String({ description: 'A user transform file (.js or .ts), run in the sandbox.' }),
    ),
    config: Type.Optional(Config),
    filter: Type.Optional(EventFilterSchema),
  },
  { additionalProperties: false },
)

export const DestinationStepSchema = Type.Object(
  {
    id: StepId,
    use: Type.String({ description: 'A destination plugin as name@range, or a ./path.' }),
    config: Type.Optional(Config),
    filter: Type.Optional(EventFilterSchema),
    consent: Type.Optional(ConsentRequirementSchema),
    delivery: Type.Optional(DeliveryOptionsSchema),
  },
  { additionalProperties: false },
)

/** A pipeline file (YAML or JSON): sources → transformations → destinations. */
export const PipelineSchema = Type.Object(
  {
    version: Type.Optional(Type.Literal(1)),
    name: Type.Optional(Type.String()),
    sources: Type.Optional(Type.Array(SourceStepSchema)),
    transformations: Type.Optional(Type.Array(TransformationStepSchema)),
    destinations: Type.Array(DestinationStepSchema, { minItems: 1 }),
    egress: Type.Optional(EgressPolicySchema),
    sandbox: Type.Optional(SandboxSettingsSchema),
    /** The default of every source without its own `consent`, and of events from no source (`patchbay run` without `--source`). */
    consent: Type.Optional(ConsentPolicySchema),
    /** Identity stitching (@patchbay/identity): see docs/identity.md. */
    identity: Type.Optional(IdentitySettingsSchema),
    gateway: Type.Optional(
      Type.Unknown({
        description:
          'Settings only the gateway (`patchbay serve`) reads, such as per-destination ordering. Their schema belongs to @patchbay/server, which checks them when it starts; every other command ignores them.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type PipelineDefinition = Static<typeof PipelineSchema>
export type SourceStep = Static<typeof SourceStepSchema>
export type TransformationStep = Static<typeof TransformationStepSchema>
export type DestinationStep = Static<typeof DestinationStepSchema>
