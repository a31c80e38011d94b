import {
  type AnyPlugin,
  createDeliverer,
  createMemoryTransport,
  createPipeline,
  type LogRecord,
  resolveDeliveryOptions,
  type TransformationPlugin,
  walkSecrets,
} from '@patchbay/core'
import { EVENT_TYPES } from '@patchbay/protocol'
import { pipelineFor, registryFor } from './_engine.ts'
import { SAMPLE_EVENTS } from './_samples.ts'
import { type Finding, pass, violation } from './finding.ts'

/** Replaces every secret value of `config` with a marker; returns the config and the markers. */
export function plantSecrets(plugin: AnyPlugin, config: unknown): { config: unknown; markers: string[] } {
  const planted = structuredClone(config) as Record<string, unknown>
  const markers: string[] = []
  walkSecrets(plugin.config, config, (_value, path) => {
    const marker = `pbsecret${markers.length}x${'Q7'.repeat(6)}`
    markers.push(marker)
    const keys = path
      .split('/')
      .slice(1)
      .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'))
    let node: Record<string, unknown> = planted
    for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>
    node[keys.at(-1)!] = marker
  })
  return { config: planted, markers }
}

/**
 * Runs a destination (or transformation) through the real engine with marker values in its
 * secret fields, a destination that answers 400 with the request echoed back, and every log
 * line, console line, outcome error and record captured: no marker may appear in them.
 */
export async function checkSecretsNotLeaked(plugin: AnyPlugin, configs: unknown[]): Promise<Finding[]> {
  if (plugin.kind !== 'destination') return [pass('secrets never leak', 'checked for destinations')]
  const seen: string[] = []
  let markers: string[] = []
  const original = { ...console }
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const)
    console[level] = (...args: unknown[]) => {
      seen.push(args.map(String).join(' '))
    }
  try {
    for (const raw of configs) {
      const planted = plantSecrets(plugin, raw)
      if (planted.markers.length === 0) continue
      markers = [...markers, ...planted.markers]
      const pipeline = await createPipeline(pipelineFor(plugin, planted.config), {
        registry: registryFor(plugin),
        record: true,
        logSink: (record: LogRecord) => seen.push(JSON.stringify(record)),
        createDeliverer: (dest) =>
          createDeliverer({
            transport: createMemoryTransport((r) => ({
              status: 400,
              headers: {},
              body: `rejected: ${r.url} ${JSON.stringify(r.headers)} ${r.body ?? ''}`,
            })),
            options: resolveDeliveryOptions({ retry: { maxAttempts: 1 } }),
            label: dest.label,
            redactor: dest.redactor,
          }),
      })
      try {
        const outcomes = await pipeline.process(EVENT_TYPES.map((t) => SAMPLE_EVENTS[t]))
        seen.push(JSON.stringify(outcomes))
      } finally {
        await pipeline.close()
      }
    }
  } catch (error) {
    seen.push(String((error as Error)?.message ?? error))
  } finally {
    Object.assign(console, original)
  }
  if (markers.length === 0)
    return [
      pass('secrets never leak', 'no example config has a secret value to plant (add one with a secret)'),
    ]
  const leaked = markers.filter((m) => seen.some((line) => line.includes(m)))
  return [
    leaked.length === 0
      ? pass('secrets never leak')
      : violation(
          'secrets never leak',
          'Secret config values never appear in logs, console output, errors or recorded requests.',
          `a planted secret showed up in: ${seen.find((l) => leaked.some((m) => l.includes(m)))?.slice(0, 300)}`,
          'Log through ctx.logger (it redacts), never console.log, and do not put secrets in error messages or encode them in ways redaction cannot see.',
        ),
  ]
}

/**
 * Loading, running and closing works twice in a row, the second run gives the same outcomes
 * as the first, and closing without running works (close errors are not swallowed here,
 * unlike in a pipeline's close).
 */
export async function checkLifecycle(plugin: AnyPlugin, config: unknown): Promise<Finding[]> {
  const rule = 'load, run, close twice'
  if (plugin.kind === 'source') return [pass(rule, 'sources are stateless parsers')]
  const broken = (did: string) => [
    violation(
      rule,
      'A plugin loads, runs and closes twice in a row with the same results, and closes without having run.',
      did,
      'Keep no module-level state that close() leaves broken; make close() safe to call at any time.',
    ),
  ]
  try {
    const rounds: string[][] = []
    for (let round = 0; round < 2; round++) {
      const pipeline = await createPipeline(pipelineFor(plugin, config), {
        registry: registryFor(plugin),
        createDeliverer: () =>
          createDeliverer({
            transport: createMemoryTransport(),
            options: resolveDeliveryOptions({ retry: { maxAttempts: 1 } }),
          }),
      })
      const outcomes = await pipeline.process(EVENT_TYPES.map((t) => SAMPLE_EVENTS[t]))
      rounds.push(
        outcomes.map(
          (o) => `${o.messageId} ${o.destination}: ${o.status}${o.error ? ` (${o.error.message})` : ''}`,
        ),
      )
      await pipeline.close()
      if (plugin.kind === 'transformation') await (plugin as TransformationPlugin).close?.()
    }
    const changed = rounds[1]!.filter((line, i) => line !== rounds[0]![i])
    if (changed.length > 0)
      return broken(
        `after a close, the second run differed: ${changed.slice(0, 3).join('; ')} (first run: ${rounds[0]!.slice(0, 3).join('; ')})`,
      )
    const idle = await createPipeline(pipelineFor(plugin, config), { registry: registryFor(plugin) })
    await idle.close()
    if (plugin.kind === 'transformation') await (plugin as TransformationPlugin).close?.()
    return [pass(rule)]
  } catch (error) {
    return broken(`it failed: ${(error as Error).message}`)
  }
}
