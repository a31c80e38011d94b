import {
  type AnyPlugin,
  createDeliverer,
  createMemoryTransport,
  createPipeline,
  createSecretMatcher,
  defineDestination,
  type LogRecord,
  PluginRegistry,
  parsePipeline,
  resolveDeliveryOptions,
  walkSecrets,
} from '@patchbay/core'
import { EVENT_TYPES } from '@patchbay/protocol'
import Type from 'typebox'
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

/** A destination that accepts everything, so transformations can run through a real pipeline. */
const SINK = defineDestination({
  name: 'patchbay-contract-sink',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({}),
  supports: ['track', 'identify', 'page', 'screen', 'group', 'alias'],
  transform: (event) => ({ method: 'POST', url: 'https://sink.invalid/events', body: event }),
})

const registryFor = (plugin: AnyPlugin) => new PluginRegistry().add(plugin).add(SINK)

function pipelineFor(plugin: AnyPlugin, config: unknown) {
  const step = plugin.kind === 'transformation' ? 'transformations' : 'destinations'
  const yaml =
    plugin.kind === 'destination'
      ? { destinations: [{ id: 'under_test', use: `${plugin.name}@${plugin.version}`, config }] }
      : {
          [step]: [{ id: 'under_test', use: `${plugin.name}@${plugin.version}`, config }],
          destinations: [{ id: 'sink', use: SINK.name }],
        }
  return parsePipeline(JSON.stringify(yaml), { file: 'contract.json', env: {} })
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
  // Every form a secret takes on the way out (raw, URL-encoded, JSON-escaped, base64, hex...).
  const matcher = createSecretMatcher(markers)
  const leak = seen.map((line) => ({ line, found: matcher.find(line) })).find((l) => l.found)
  return [
    !leak
      ? pass('secrets never leak')
      : violation(
          'secrets never leak',
          'Secret config values never appear in logs, console output, errors or recorded requests, in any form (raw, URL-encoded, JSON-escaped, base64, base64url, hex).',
          `a planted secret showed up (${leak.found!.form}) in: ${leak.line.slice(Math.max(0, leak.found!.start - 150), leak.found!.end + 150)}`,
          'Log through ctx.logger (it redacts), never console.log, and do not put secrets in error messages or encode them in ways redaction cannot see.',
        ),
  ]
}

/** Loading, running and closing works twice in a row, and closing without running works. */
export async function checkLifecycle(plugin: AnyPlugin, config: unknown): Promise<Finding[]> {
  if (plugin.kind === 'source') return [pass('load, run, close twice', 'sources are stateless parsers')]
  try {
    for (let round = 0; round < 2; round++) {
      const pipeline = await createPipeline(pipelineFor(plugin, config), {
        registry: registryFor(plugin),
        createDeliverer: () =>
          createDeliverer({
            transport: createMemoryTransport(),
            options: resolveDeliveryOptions({ retry: { maxAttempts: 1 } }),
          }),
      })
      await pipeline.process([SAMPLE_EVENTS.track, SAMPLE_EVENTS.identify])
      await pipeline.close()
    }
    const idle = await createPipeline(pipelineFor(plugin, config), {
      registry: registryFor(plugin),
    })
    await idle.close()
    return [pass('load, run, close twice')]
  } catch (error) {
    return [
      violation(
        'load, run, close twice',
        'A plugin loads, runs and closes twice in a row, and closes without having run.',
        `it failed: ${(error as Error).message}`,
        'Keep no module-level state that close() leaves broken; make close() safe to call at any time.',
      ),
    ]
  }
}
