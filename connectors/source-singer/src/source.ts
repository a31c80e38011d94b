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
import { loadCatalog, selectedStreams } from './_catalog.ts'
import { type SingerSourceConfig, SingerSourceConfigSchema } from './config.ts'
import { readSinger } from './read-singer.ts'

const EXAMPLE: SingerSourceConfig = {
  command: 'tap-crm',
  args: [],
  tapConfig: { start_date: '2026-01-01T00:00:00Z' },
  catalogFlag: '--catalog',
  streams: {
    contacts: { type: 'identify', userId: 'id', traits: ['email', 'name'] },
    orders: { type: 'track', event: 'Order Completed', userId: 'contact_id', properties: '*' },
  },
  validateRecords: true,
  batchSize: 1000,
  timeoutSeconds: 3600,
  idleTimeoutSeconds: 300,
}

/** Checks, before the tap runs, that the catalog's selected streams all have a mapping. */
function checkCatalog(config: SingerSourceConfig, baseDir: string, plugin: string) {
  if (!config.catalog) return undefined
  const catalog = loadCatalog(config.catalog, baseDir)
  checkStreamsMapped(selectedStreams(catalog), config.streams, {
    plugin,
    ...(typeof config.catalog === 'string' ? { file: config.catalog } : {}),
  })
  return catalog
}

const lineStream = (body: string) =>
  (async function* () {
    yield* body.split('\n')
  })()

/**
 * The Singer source. `sync` runs the tap (`command args --config F [--catalog F] [--state F]`)
 * or reads its output from `input` (stdin), and yields events with the latest STATE to save
 * once they are durable. `parse` takes tap output posted as a text body (no state kept).
 */
export const singerSource = defineSource({
  name: pkg.name,
  version: pkg.version,
  apiVersion: 1,
  title: 'Singer tap',
  description: pkg.description,
  config: SingerSourceConfigSchema,
  examples: [EXAMPLE],
  check({ config, plugin }) {
    checkCatalog(config, process.cwd(), plugin)
  },
  async parse(request, { config, plugin }) {
    if (typeof request.body !== 'string')
      throw new InvalidEventError(
        'the Singer source expects tap output as a text body (one message per line)',
        {
          plugin,
          details: { status: 400 },
          hint: 'Send the lines with content-type: text/plain.',
        },
      )
    const events: unknown[] = []
    for await (const batch of readSinger(lineStream(request.body), {
      ...config,
      file: 'body',
      connector: 'singer',
    }))
      events.push(...batch.events)
    return { events, response: { status: 200, body: { ok: true, events: events.length } } }
  },
  async *readLines(lines, { config, origin, logger }) {
    for await (const batch of readSinger(lines, { ...config, file: origin, connector: 'singer', logger }))
      if (batch.events.length > 0) yield batch.events
  },
  async *sync(ctx): AsyncGenerator<SyncBatch> {
    const { config, logger, plugin } = ctx
    const baseDir = ctx.baseDir ?? process.cwd()
    const catalog = checkCatalog(config, baseDir, plugin)
    const read = (lines: AsyncIterable<string>, file: string) =>
      readSinger(lines, { ...config, file, connector: 'singer', logger })
    if (ctx.input) {
      yield* read(ctx.input, ctx.origin ?? 'stdin')
      return
    }
    if (!config.command)
      throw new ConfigurationError(
        'the Singer source needs `command` (the tap to run), or its output on stdin',
        {
          plugin,
          field: '/command',
        },
      )
    const command =
      config.command.includes('/') && !isAbsolute(config.command)
        ? resolve(baseDir, config.command)
        : config.command
    const files = writeExtractorFiles({
      config: { ...config.tapConfig, ...config.secrets },
      catalog,
      state: ctx.state,
    })
    try {
      const args = [...config.args, '--config', files.paths.config!]
      if (files.paths.catalog) args.push(config.catalogFlag, files.paths.catalog)
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
