import type { Static } from 'typebox'
import Type from 'typebox'

const Action = Type.Union([Type.Literal('forward'), Type.Literal('drop'), Type.Literal('omit')], {
  description:
    'forward: deliver with `context.violationErrors`; drop: deliver nothing; omit: remove the offending properties, deliver the rest with `context.violationErrors`.',
})

/**
 * A source's tracking plan: which plan file it enforces, at which version, and what happens
 * to an event that violates it. Core only carries the reference; @patchbay/tracking-plan loads,
 * compiles and enforces it as the pipeline's validate stage.
 */
export const TrackingPlanRefSchema = Type.Object(
  {
    file: Type.String({
      minLength: 1,
      description: 'The plan file (YAML or JSON), relative to the pipeline file.',
    }),
    version: Type.Integer({
      minimum: 1,
      description: 'The plan version this source enforces; a plan file with another version is refused.',
    }),
    actions: Type.Optional(
      Type.Object(
        {
          default: Type.Optional(Action),
          track: Type.Optional(Action),
          identify: Type.Optional(Action),
          group: Type.Optional(Action),
          page: Type.Optional(Action),
          screen: Type.Optional(Action),
          alias: Type.Optional(Action),
        },
        {
          additionalProperties: false,
          description: 'What to do with a violating event, per event type (default: forward).',
        },
      ),
    ),
    violationsTo: Type.Optional(
      Type.String({
        description:
          'A destination id: each violating event also sends a `Violation Generated` track there (only there).',
      }),
    ),
  },
  { additionalProperties: false },
)
export type TrackingPlanRef = Static<typeof TrackingPlanRefSchema>
