import { defineSource, InvalidEventError } from '@patchbay/core'
import pkg from '../package.json' with { type: 'json' }
import { lineEvent, skip } from './_line-event.ts'
import { LogSourceConfigSchema } from './config.ts'

export interface LogSourceOptions {
  /** The clock stamped on each line as `originalTimestamp` (default Date.now). */
  now?: () => number
}

/**
 * Builds the log source: each line becomes a track event (`log_line` by default) with
 * `properties.message`, the file and line number, and the time it was read. The package's
 * default export is `createLogSource()`; call it yourself only to inject a clock.
 */
export function createLogSource(options: LogSourceOptions = {}) {
  const now = options.now ?? Date.now
  return defineSource({
    name: pkg.name,
    version: pkg.version,
    apiVersion: 1,
    title: 'Log lines',
    description: pkg.description,
    config: LogSourceConfigSchema,
    examples: [
      {
        eventName: 'log_line',
        anonymousId: 'log-source',
        skipEmpty: true,
        maxLineBytes: 65536,
        batchSize: 1000,
      },
      {
        eventName: 'nginx_access',
        anonymousId: 'web-01',
        skipEmpty: true,
        maxLineBytes: 16384,
        batchSize: 500,
      },
    ],
    /** An HTTP body of newline-separated lines (`?file=` names them; default `http`). */
    parse(request, { config, plugin }) {
      const body =
        typeof request.body === 'string'
          ? request.body
          : request.rawBody
            ? Buffer.from(request.rawBody).toString('utf8')
            : undefined
      if (body === undefined) {
        throw new InvalidEventError('the log source expects a text body of newline-separated lines', {
          plugin,
          details: { status: 400 },
          hint: 'Send the lines with content-type: text/plain.',
        })
      }
      const origin = request.query.file ?? 'http'
      const at = new Date(now()).toISOString()
      const events = []
      const lines = withoutBom(body).split(/\r?\n/)
      if (lines.at(-1) === '') lines.pop()
      for (const [i, text] of lines.entries())
        if (!skip(text, config)) events.push(lineEvent(text, i + 1, origin, config, at))
      return { events, response: { status: 200, body: { ok: true, events: events.length } } }
    },
    /**
     * Each line's event as soon as the line is read, before the next one: the host batches
     * them (readLogFile by `batchSize`, `patchbay run` by `--batch-size`) and so knows which
     * input line each event came from.
     */
    async *readLines(lines, { config, origin }) {
      let n = 0
      for await (const raw of lines) {
        n++
        const line = n === 1 ? withoutBom(raw) : raw
        const text = line.endsWith('\r') ? line.slice(0, -1) : line
        if (skip(text, config)) continue
        yield [lineEvent(text, n, origin, config, new Date(now()).toISOString())]
      }
    },
  })
}

/** A UTF-8 byte order mark (some Windows tools start files with one) is not part of the first line. */
const withoutBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
