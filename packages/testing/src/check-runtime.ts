import {
  type AnyPlugin,
  createDeliverer,
  createMemoryTransport,
  createPipeline,
  createSecretMatcher,
  isClientDestination,
  resolveDeliveryOptions,
  type SourcePlugin,
  type TransformationPlugin,
  walkSecrets,
} from '@patchbay/core'
import { EVENT_TYPES } from '@patchbay/protocol'
import { pipelineFor, registryFor } from './_engine.ts'
import { captureOutput, errorText, runCheck, runSource, runThroughEngine } from './_leak-channels.ts'
import { SAMPLE_EVENTS } from './_samples.ts'
import type { RequestFixture } from './check-source.ts'
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
 * Runs the plugin as a host does, with marker values in its secret fields, and searches
 * every channel for them: log lines, `console`, `process.stdout`/`stderr` writes, errors,
 * outcomes and recorded requests. Destinations and transformations run through the real
 * engine (delivering to a destination that answers 400 and echoes the request back);
 * sources parse their request fixtures, a plain JSON request and malformed ones; a `check`
 * hook runs as hosts call it, against a server that answers 401 and echoes the request.
 */
export async function checkSecretsNotLeaked(
  plugin: AnyPlugin,
  configs: unknown[],
  requests: RequestFixture[] = [],
): Promise<Finding[]> {
  const seen: string[] = []
  let markers: string[] = []
  const restore = captureOutput(seen)
  try {
    for (const raw of configs) {
      const planted = plantSecrets(plugin, raw)
      if (planted.markers.length === 0) continue
      markers = [...markers, ...planted.markers]
      try {
        if (plugin.kind === 'source') await runSource(plugin as SourcePlugin, planted.config, requests, seen)
        else await runThroughEngine(plugin, planted.config, seen)
        await runCheck(plugin, planted.config, seen)
      } catch (error) {
        seen.push(errorText(error))
      }
    }
  } finally {
    restore()
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
          'Secret config values never appear in logs, console or stdout/stderr output, errors, events or recorded requests, in any form (raw, URL-encoded, JSON-escaped, base64, base64url, hex).',
          `a planted secret showed up (${leak.found!.form}) in: ${leak.line.slice(Math.max(0, leak.found!.start - 150), leak.found!.end + 150)}`,
          'Log through ctx.logger (it redacts), never console.log or process.stdout/stderr.write, and do not put secrets in error messages or events, or encode them in ways redaction cannot see.',
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
        singleAttempt: isClientDestination(plugin),
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
