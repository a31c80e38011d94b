import { ConfigurationError, type LoadedPipeline, type PipelineDefinition } from '@patchbay/core'
import Type, { type Static } from 'typebox'
import { Value } from 'typebox/value'
import { DEFAULT_MAX_TRANSFORM_ATTEMPTS } from './delivery/processor.ts'

/** How the gateway delivers to one destination of the pipeline. */
export const GatewayDestinationSettingsSchema = Type.Object(
  {
    ordering: Type.Optional(
      Type.Union([Type.Literal('none'), Type.Literal('user')], {
        default: 'none',
        description:
          "`user`: one user's events (by userId, else anonymousId) are delivered one at a time, in order; while one is retried, that user's later events wait. `none`: concurrently.",
      }),
    ),
    claim: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        description:
          "Jobs a delivery worker claims at a time for this destination (default: the gateway's `delivery.claim`, 100). A warehouse destination loads a claim in one transaction, so larger claims mean fewer, larger loads (`patchbay serve --warehouse` uses 1,000).",
      }),
    ),
  },
  { additionalProperties: false },
)

/**
 * The pipeline file's `gateway:` block: settings that belong to one pipeline but only the
 * gateway (`patchbay serve`) reads. Core passes the block through unread; the gateway checks
 * it here when it starts. (Before, `ordering` sat in each destination's `delivery:` and
 * `maxTransformAttempts` in `sandbox:`; core now refuses those with a message saying where
 * they moved.)
 *
 * @example
 * gateway:
 *   maxTransformAttempts: 3
 *   destinations:
 *     crm: { ordering: user }
 *     warehouse: { claim: 1000 }
 */
export const GatewayPipelineSettingsSchema = Type.Object(
  {
    destinations: Type.Optional(
      Type.Record(Type.String(), GatewayDestinationSettingsSchema, {
        description: 'By destination id: how the gateway delivers to it.',
      }),
    ),
    maxTransformAttempts: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: `An event whose transformation took a sandbox worker (or the gateway) down this many times becomes a dead letter without being run again (default ${DEFAULT_MAX_TRANSFORM_ATTEMPTS}).`,
      }),
    ),
  },
  { additionalProperties: false },
)
export type GatewayPipelineSettings = Static<typeof GatewayPipelineSettingsSchema>

/** The settings with their defaults, one entry per destination of the pipeline. */
export interface ResolvedGatewayPipelineSettings {
  ordering: ReadonlyMap<string, 'none' | 'user'>
  /** The destinations whose `claim` is set; the others take the gateway's `delivery.claim`. */
  claim: ReadonlyMap<string, number>
  maxTransformAttempts: number
}

/**
 * Checks the pipeline's `gateway:` block against the gateway's schema and fills its
 * defaults. A bad value, or a destination id the pipeline does not have, is a
 * PB_PIPELINE_INVALID error at the field's line.
 */
export function resolvePipelineSettings(
  pipeline: LoadedPipeline | { definition: PipelineDefinition; baseDir: string },
): ResolvedGatewayPipelineSettings {
  const block = (pipeline.definition.gateway ?? {}) as GatewayPipelineSettings
  const ids = pipeline.definition.destinations.map((d) => d.id)
  const fail = (pointer: string, message: string, hint?: string): never => {
    const loaded = 'locate' in pipeline ? pipeline : undefined
    const at = loaded?.locate(pointer)
    const where = loaded ? `${loaded.file}:${at ? `${at.line}:${at.column}` : '1:1'}: ` : ''
    throw new ConfigurationError(`${where}${pointer.slice(1).replaceAll('/', '.')} ${message}`, {
      code: 'PB_PIPELINE_INVALID',
      field: pointer,
      ...(loaded ? { file: loaded.file, line: at?.line, column: at?.column } : {}),
      hint,
    })
  }
  if (!Value.Check(GatewayPipelineSettingsSchema, block)) {
    const [issue] = Value.Errors(GatewayPipelineSettingsSchema, block)
    fail(
      `/gateway${issue?.instancePath ?? ''}`,
      issue?.message ?? 'is invalid',
      'The gateway block takes `maxTransformAttempts` and `destinations: { <id>: { ordering: none | user, claim: <jobs> } }` (see docs/gateway.md).',
    )
  }
  const ordering = new Map<string, 'none' | 'user'>(ids.map((id) => [id, 'none']))
  const claim = new Map<string, number>()
  for (const [id, settings] of Object.entries(block.destinations ?? {})) {
    if (!ordering.has(id))
      fail(
        `/gateway/destinations/${id}`,
        `names no destination of this pipeline`,
        `Use one of the destination ids: ${ids.join(', ')}.`,
      )
    ordering.set(id, settings.ordering ?? 'none')
    if (settings.claim !== undefined) claim.set(id, settings.claim)
  }
  return {
    ordering,
    claim,
    maxTransformAttempts: block.maxTransformAttempts ?? DEFAULT_MAX_TRANSFORM_ATTEMPTS,
  }
}
