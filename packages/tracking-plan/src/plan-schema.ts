import type { Static } from 'typebox'
import Type from 'typebox'

/** A JSON Schema for one property (type, enum, format, description, nested properties...). */
const PropertySchema = Type.Record(Type.String(), Type.Unknown(), {
  description: 'A JSON Schema: type, enum, format, minimum, pattern, items, properties, description...',
})

/** What one planned call may carry: its properties (or traits), which are required, and whether others are allowed. */
export const PlannedEventSchema = Type.Object(
  {
    description: Type.Optional(Type.String()),
    properties: Type.Optional(
      Type.Record(Type.String(), PropertySchema, {
        description: 'Per property (for identify and group: per trait), a JSON Schema.',
      }),
    ),
    required: Type.Optional(Type.Array(Type.String(), { uniqueItems: true })),
    additionalProperties: Type.Optional(
      Type.Boolean({ description: 'Allow properties the plan does not name (default: the plan setting).' }),
    ),
  },
  { additionalProperties: false },
)
export type PlannedEvent = Static<typeof PlannedEventSchema>

export const PlanSettingsSchema = Type.Object(
  {
    allowUnplannedEvents: Type.Optional(
      Type.Boolean({
        description: 'Track events the plan does not name are fine (default false: Unplanned-Event).',
      }),
    ),
    additionalProperties: Type.Optional(
      Type.Boolean({
        description:
          'Properties the plan does not name are fine (default true); false makes them Additional-Properties violations.',
      }),
    ),
  },
  { additionalProperties: false },
)

/** A tracking plan file (YAML or JSON). */
export const TrackingPlanSchema = Type.Object(
  {
    name: Type.String({
      pattern: '^[A-Za-z0-9][\\w.-]*$',
      description: 'The plan id, as metrics and violations name it.',
    }),
    version: Type.Integer({
      minimum: 1,
      description: 'Bump it with every change; pipelines name the version they enforce.',
    }),
    description: Type.Optional(Type.String()),
    settings: Type.Optional(PlanSettingsSchema),
    track: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), PlannedEventSchema, {
        description: 'Per track event name.',
      }),
    ),
    identify: Type.Optional(PlannedEventSchema),
    group: Type.Optional(PlannedEventSchema),
    page: Type.Optional(PlannedEventSchema),
    screen: Type.Optional(PlannedEventSchema),
  },
  { additionalProperties: false },
)
export type TrackingPlan = Static<typeof TrackingPlanSchema>

/** The event types a plan describes besides track. */
export const OTHER_TYPES = ['identify', 'group', 'page', 'screen'] as const
