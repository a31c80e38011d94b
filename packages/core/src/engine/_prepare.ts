import { isAbsolute, resolve } from 'node:path'
import { compileConfig } from '../config/compile-config.ts'
import { migrateConfig } from '../config/migrate.ts'
import { collectSecrets } from '../config/secret.ts'
import { resolveDeliveryOptions } from '../delivery/delivery-options.ts'
import { deepFreeze } from '../engine/_freeze.ts'
import { ConfigurationError } from '../errors/errors.ts'
import { createLogger, type LogSink } from '../logging/logger.ts'
import type { FilePosition } from '../pipeline/load-pipeline.ts'
import type { DestinationStep, PipelineDefinition, TransformationStep } from '../pipeline/pipeline-schema.ts'
import type { DestinationPlugin } from '../plugin/define-destination.ts'
import type { TransformationPlugin } from '../plugin/define-transformation.ts'
import { runtimeServices } from '../plugin/manifest.ts'
import { createRedactor } from '../redaction/redact.ts'
import { shortSecretWarnings } from '../redaction/secret-forms.ts'
import type { PluginRegistry, ResolvedPlugin } from '../registry/plugin-registry.ts'
import { runPluginTransformation } from './_plugin-transformation.ts'
import type { PreparedDestination, PreparedTransformation, UserCodeLoader } from './_steps.ts'

export interface PrepareContext {
  registry: PluginRegistry
  baseDir: string
  locate: ((pointer: string) => FilePosition | undefined) | undefined
  sink: LogSink
  notice(message: string): void
  userCode: UserCodeLoader | undefined
  sandbox: PipelineDefinition['sandbox']
  /** Every secret value of every step so far, for the pipeline-wide redactor. */
  secrets: Set<string>
}

/** Resolves a step's plugin, migrates its config when needed, and validates it. */
export async function configure(
  resolved: ResolvedPlugin,
  rawConfig: Record<string, unknown> | undefined,
  pointer: string,
  label: string,
  ctx: PrepareContext,
) {
  let config = rawConfig ?? {}
  if (resolved.migrateFrom !== undefined) {
    const migrated = migrateConfig(resolved.plugin, config, resolved.migrateFrom, { step: label })
    config = migrated.config
    ctx.notice(migrated.notice)
  }
  const compiled = compileConfig(resolved.plugin.config)
  let parsed: unknown
  try {
    parsed = compiled.parse(config, {
      plugin: resolved.id,
      step: label,
      locate: ctx.locate && ((p) => ctx.locate!(`${pointer}/config${p}`)),
    })
  } catch (error) {
    // A secret that fails its own schema must not be echoed by the error either.
    throw createRedactor(collectSecrets(resolved.plugin.config, config)).error(error)
  }
  const secrets = compiled.secrets(parsed)
  for (const secret of secrets) ctx.secrets.add(secret)
  for (const warning of shortSecretWarnings(resolved.plugin.config, parsed, label))
    ctx.sink({ level: 'warn', scope: label, message: warning })
  const redactor = createRedactor(secrets)
  const logger = createLogger({ scope: label, sink: ctx.sink, scrub: redactor.string })
  // parse returns its own copy; frozen, so a plugin cannot change the config between events.
  return { config: deepFreeze(parsed), redactor, logger }
}

export async function resolveStep(
  use: string,
  kind: 'source' | 'transformation' | 'destination',
  pointer: string,
  ctx: PrepareContext,
) {
  try {
    return await ctx.registry.resolve(use, { baseDir: ctx.baseDir, kind })
  } catch (error) {
    const at = ctx.locate?.(`${pointer}/use`)
    if (at && error instanceof Error && 'location' in error) {
      Object.assign((error as ConfigurationError).location, {
        file: at.file,
        line: at.line,
        column: at.column,
      })
      error.message = `${at.file}:${at.line}:${at.column}: ${error.message}`
    }
    throw error
  }
}

export async function prepareTransformation(
  step: TransformationStep,
  index: number,
  ctx: PrepareContext,
): Promise<PreparedTransformation> {
  const label = `transformations.${step.id}`
  const pointer = `/transformations/${index}`
  if (step.code !== undefined) {
    if (!ctx.userCode) {
      throw new ConfigurationError(
        `${label} runs user code (${step.code}), but this runtime has no sandbox`,
        {
          step: label,
          hint: 'Run it with the patchbay CLI, or pass `userCode: createUserCodeLoader()` from @patchbay/sandbox to createPipeline.',
        },
      )
    }
    const file = isAbsolute(step.code) ? step.code : resolve(ctx.baseDir, step.code)
    const compiled = await ctx.userCode.load(file, { stepId: step.id, limits: ctx.sandbox })
    return {
      id: step.id,
      label,
      source: step.code,
      filter: step.filter,
      run: async (events, metadata) => (await compiled.run(events, metadata)).results,
      close: async () => {
        await compiled.dispose()
      },
    }
  }
  const resolved = await resolveStep(step.use!, 'transformation', pointer, ctx)
  const plugin = resolved.plugin as TransformationPlugin
  const { config, logger } = await configure(resolved, step.config, pointer, label, ctx)
  const pluginCtx = { ...runtimeServices, config, logger, plugin: resolved.id, metadata: { stepId: step.id } }
  return {
    id: step.id,
    label,
    source: resolved.id,
    filter: step.filter,
    run: (events, metadata) =>
      runPluginTransformation(
        plugin,
        { ...pluginCtx, metadata: { ...pluginCtx.metadata, ...metadata } },
        events,
      ),
    close: async () => {
      await plugin.close?.()
    },
  }
}

export async function prepareDestination(
  step: DestinationStep,
  index: number,
  ctx: PrepareContext,
): Promise<PreparedDestination> {
  const label = `destinations.${step.id}`
  const pointer = `/destinations/${index}`
  const resolved = await resolveStep(step.use, 'destination', pointer, ctx)
  const plugin = resolved.plugin as DestinationPlugin
  const { config, logger, redactor } = await configure(resolved, step.config, pointer, label, ctx)
  const limits = plugin.transformBatch
    ? plugin.batch
      ? plugin.batch(config as never)
      : { maxEvents: 100 }
    : undefined
  const batching = limits && { maxEvents: limits.maxEvents, maxBytes: limits.maxBytes ?? 500_000 }
  const shortName = plugin.name.replace(/^@[^/]+\//, '').replace(/^destination-/, '')
  return {
    id: step.id,
    label,
    source: resolved.id,
    step,
    plugin,
    config,
    logger,
    names: [step.id, shortName, ...(plugin.title ? [plugin.title] : [])],
    supports: plugin.supports as readonly string[],
    filter: step.filter,
    consent: step.consent,
    batching,
    delivery: resolveDeliveryOptions(step.delivery),
    redactor,
  }
}
