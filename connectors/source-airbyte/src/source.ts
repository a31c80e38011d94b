import { isAbsolute, resolve } from 'node:path'
import {
  ConfigurationError,
  checkStreamsMapped,
  defineSource,
  InvalidEventError,
  runExtractor,
  type SyncBatch,
  writeExtractorFiles,
} from '@patchbay/core'
import pkg from '../package.json' with { type: 'json' }
import { loadCatalog } from './_catalog.ts'
import { type AirbyteStateDocument, stateInput } from './_state.ts'
import { type AirbyteSourceConfig, AirbyteSourceConfigSchema } from './config.ts'
import { readAirbyte } from './read-airbyte.ts'

const EXAMPLE: AirbyteSourceConfig = {
  command: 'python3',
  args: ['source_crm/main.py'],
  sourceConfig: { start_date: '2026-01-01T00:00:00Z' },
  catalog: 'configured_catalog.json',
  streams: {
    contacts: { type: 'identify', userId: 'id', traits: ['email', 'name'] },
    orders: { type: 'track', event: 'Order Completed', userId: 'contact_id', properties: '*' },
  },
  validateRecords: true,
  batchSize: 1000,
  timeoutSeconds: 3600,
  idleTimeoutSeconds: 300,
}

/** The configured catalog, with every stream in it mapped (checked before the source runs). */
function catalogOf(config: AirbyteSourceConfig, baseDir: string, plugin: string) {
  const catalog = loadCatalog(config.catalog, baseDir, config.validateRecords)
  checkStreamsMapped(catalog.keys(), config.streams, {
    plugin,
    ...(typeof config.catalog === 'string' ? { file: config.catalog } : {}),
  })
  return catalog
}

/**
 * The Airbyte source. `sync` runs the connector (`command args read --config F --catalog F
 * [--state F]`) or reads its output from `input` (stdin), and yields events with the merged
 * state document to save once they are durable. `parse` takes output posted as a text body.
 */
export const airbyteSource = defineSource({
  name: pkg.name,
  version: pkg.version,
  apiVersion: 1,
  title: 'Airbyte source',
  description: pkg.description,
  config: AirbyteSourceConfigSchema,
  examples: [EXAMPLE],
  check({ config, plugin }) {
    catalogOf(config, process.cwd(), plugin)
  },
  async parse(request, { config, plugin, logger }) {
    if (typeof request.body !== 'string')
      throw new InvalidEventError(
        'the Airbyte source expects source output as a text body (one message per line)',
        {
          plugin,
          details: { status: 400 },
          hint: 'Send the lines with content-type: text/plain.',
        },
      )
    const events: unknown[] = []
    const lines = (async function* () {
      yield* (request.body as string).split('\n')
    })()
    for await (const batch of readAirbyte(lines, {
      ...config,
      catalog: catalogOf(config, process.cwd(), plugin),
      file: 'body',
      logger,
    }))
      events.push(...batch.events)
    return { events, response: { status: 200, body: { ok: true, events: events.length } } }
  },
  async *readLines(lines, { config, origin, logger, plugin }) {
    const catalog = catalogOf(config, process.cwd(), plugin)
    for await (const batch of readAirbyte(lines, { ...config, catalog, file: origin, logger }))
      if (batch.events.length > 0) yield batch.events
  },
  async *sync(ctx): AsyncGenerator<SyncBatch> {
    const { config, logger, plugin } = ctx
    const baseDir = ctx.baseDir ?? process.cwd()
    const catalog = catalogOf(config, baseDir, plugin)
    const state = ctx.state as AirbyteStateDocument | undefined
    const read = (lines: AsyncIterable<string>, file: string) =>
      readAirbyte(lines, { ...config, catalog, file, logger, ...(state ? { state } : {}) })
    if (ctx.input) {
      yield* read(ctx.input, ctx.origin ?? 'stdin')
      return
    }
    if (!config.command)
      throw new ConfigurationError(
        'the Airbyte source needs `command` (the connector to run), or its output on stdin',
        {
          plugin,
          field: '/command',
        },
      )
    const command =
      config.command.includes('/') && !isAbsolute(config.command)
        ? resolve(baseDir, config.command)
        : config.command
    const catalogFile = typeof config.catalog === 'string' ? undefined : config.catalog
    const files = writeExtractorFiles({
      config: { ...config.sourceConfig, ...config.secrets },
      catalog: catalogFile,
      state: stateInput(state),
    })
    try {
      const catalogPath =
        typeof config.catalog === 'string'
          ? isAbsolute(config.catalog)
            ? config.catalog
            : resolve(baseDir, config.catalog)
          : files.paths.catalog!
      const args = [...config.args, 'read', '--config', files.paths.config!, '--catalog', catalogPath]
      if (files.paths.state) args.push('--state', files.paths.state)
      const lines = runExtractor({
        command,
        args,
        cwd: baseDir,
        env: { ...process.env, ...config.env },
        timeoutMs: config.timeoutSeconds * 1000,
        idleTimeoutMs: config.idleTimeoutSeconds * 1000,
        onStderr: (line) => logger.info(line),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      })
      yield* read(lines, `${config.command} stdout`)
    } finally {
      files.remove()
    }
  },
})
