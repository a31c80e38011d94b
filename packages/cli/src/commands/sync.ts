import { dirname, resolve } from 'node:path'
import {
  createPipeline,
  loadPipelineFile,
  type Outcome,
  openFileStateStore,
  type PipelineOptions,
  prepareSources,
  runSync,
  summarizeOutcomes,
} from '@patchbay/core'
import { defineCommand } from 'citty'
import { EXIT, UsageError } from '../_exit.ts'
import { color, type Output, processOutput } from '../_output.ts'
import { describeReceived, type Receiver, startReceiver } from '../_receiver.ts'
import { formatSummary } from '../_summary.ts'
import { userCodeLoaderFor } from '../_user-code.ts'

export interface SyncOptions {
  pipeline: string
  source: string
  /** Where states are kept (default: `.patchbay-state/` next to the pipeline file). */
  stateDir?: string
  json?: boolean
  receiver?: boolean
}

/**
 * `patchbay sync`: runs one sync of a pulling source (a Singer tap, an Airbyte source) through
 * the pipeline. Each batch is delivered before its state is saved; a batch with a failed
 * delivery holds the checkpoint where it was, so the next sync sends it again.
 */
export async function syncSource(options: SyncOptions, output: Output = processOutput): Promise<number> {
  let receiver: Receiver | undefined
  const env: Record<string, string | undefined> = { ...process.env }
  let redact = (text: string) => text
  if (options.receiver) {
    receiver = await startReceiver((r) => {
      if (!options.json) output.err(color.dim(`receiver ← ${redact(describeReceived(r))}`))
    })
    env.PATCHBAY_RECEIVER_URL = receiver.url
  }
  try {
    const loaded = loadPipelineFile(options.pipeline, { env })
    const step = loaded.definition.sources?.find((s) => s.id === options.source)
    if (!step) {
      const ids = (loaded.definition.sources ?? []).map((s) => s.id)
      throw new UsageError(
        `the pipeline has no source "${options.source}"${ids.length ? ` (it has: ${ids.join(', ')})` : ''}`,
      )
    }
    const pipelineOptions: PipelineOptions = {
      logSink: (record) => {
        if (!options.json || record.level === 'warn' || record.level === 'error')
          output.err(`${color.dim(record.scope)} ${record.message}`)
      },
    }
    const [source] = (
      await prepareSources(loaded, { only: [options.source], logSink: pipelineOptions.logSink! })
    ).sources
    if (!source?.sync)
      throw new UsageError(
        `source "${options.source}" cannot sync: its plugin (${source?.plugin ?? 'none'}) does not pull (use a Singer or Airbyte source)`,
      )
    const userCode = await userCodeLoaderFor(loaded.definition, output, options.json)
    if (userCode) pipelineOptions.userCode = userCode
    const pipeline = await createPipeline(loaded, pipelineOptions)
    redact = pipeline.redactor.string
    const stateDir = resolve(
      options.stateDir ?? resolve(dirname(resolve(options.pipeline)), '.patchbay-state'),
    )
    const outcomes: Outcome[] = []
    const firstErrors = new Map<string, Outcome>()
    let events = 0
    let failure: unknown
    let report: Awaited<ReturnType<typeof runSync>> | undefined
    try {
      report = await runSync(source, {
        state: openFileStateStore(stateDir),
        accept: async (batch) => {
          const results = await pipeline.process(batch, { sourceId: options.source })
          for (const o of results) {
            if (o.status === 'failed' && !firstErrors.has(o.destination)) firstErrors.set(o.destination, o)
            outcomes.push({ ...o, index: events + o.index })
          }
          events += batch.length
          if (output.tty && !options.json)
            process.stderr.write(`\r${color.dim(`${events.toLocaleString('en-US')} events synced`)}`)
          return results.every((o) => o.status !== 'failed')
        },
      })
    } catch (error) {
      failure = error
    } finally {
      if (output.tty && !options.json) process.stderr.write('\r\u001b[K')
      await pipeline.close()
      await userCode?.close()
    }
    const summary = summarizeOutcomes(events, outcomes)
    const failed = failure !== undefined || outcomes.some((o) => o.status === 'failed')
    const error =
      failure === undefined
        ? undefined
        : { code: (failure as { code?: string }).code, message: redact((failure as Error).message) }
    if (options.json) {
      output.out(
        JSON.stringify({
          pipeline: pipeline.name,
          source: options.source,
          ...summary,
          checkpoints: report?.checkpoints ?? 0,
          checkpointHeld: report?.checkpointHeld ?? false,
          ...(error ? { error } : {}),
          ok: !failed,
        }),
      )
    } else {
      output.out(formatSummary(summary, pipeline.destinations, firstErrors, 0))
      if (report)
        output.out(
          report.checkpointHeld
            ? color.yellow(
                'state held at the last batch delivered in full: the next sync sends the rest again',
              )
            : `${report.checkpoints} checkpoints saved in ${stateDir}`,
        )
      if (error) output.err(`${color.red('sync failed')} ${error.code ?? ''} ${error.message}`)
    }
    return failed ? EXIT.failed : EXIT.ok
  } finally {
    await receiver?.close()
  }
}

export default defineCommand({
  meta: {
    name: 'sync',
    description: `Run one sync of a pulling source (Singer tap, Airbyte source) through a pipeline; its state is saved after each delivered batch.

Examples:
  patchbay sync pipeline.yaml --source crm
  patchbay sync pipeline.yaml --source crm --state-dir /var/lib/patchbay/state --json

Exit codes: 0 synced and delivered, 1 the extractor failed or some events failed (state stays at the last safe point), 2 bad pipeline or usage.`,
  },
  args: {
    pipeline: { type: 'positional', description: 'Pipeline file (YAML or JSON)', required: true },
    source: { type: 'string', description: 'The source to sync (its id in the pipeline)', required: true },
    'state-dir': {
      type: 'string',
      description: 'Where states are kept (default: .patchbay-state/ next to the pipeline file)',
    },
    receiver: {
      type: 'boolean',
      description: 'Start a local receiver on 127.0.0.1 and expose its URL as ${PATCHBAY_RECEIVER_URL}',
    },
    json: { type: 'boolean', description: 'Print the summary as JSON' },
  },
  async run({ args }) {
    process.exitCode = await syncSource({
      pipeline: args.pipeline,
      source: args.source,
      ...(args['state-dir'] ? { stateDir: args['state-dir'] } : {}),
      json: Boolean(args.json),
      receiver: Boolean(args.receiver),
    })
  },
})
