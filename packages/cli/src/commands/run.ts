import { createWriteStream } from 'node:fs'
import {
  createPipeline,
  loadPipelineFile,
  type Outcome,
  type PipelineOptions,
  summarizeOutcomes,
} from '@patchbay/core'
import { enforcePlans } from '@patchbay/tracking-plan'
import { defineCommand } from 'citty'
import { EXIT, UsageError } from '../_exit.ts'
import { color, type Output, processOutput } from '../_output.ts'
import { readJsonl } from '../_read-events.ts'
import { describeReceived, type Receiver, startReceiver } from '../_receiver.ts'
import { readThroughSource } from '../_source-input.ts'
import { formatSummary } from '../_summary.ts'
import { userCodeLoaderFor } from '../_user-code.ts'

export interface RunOptions {
  pipeline: string
  input: string
  json?: boolean
  receiver?: boolean
  batchSize?: number
  outcomes?: string
  /** Read `input` through this source of the pipeline instead of as JSONL events. */
  source?: string
}

/** `patchbay run`: runs a file of events through a pipeline and prints a summary. */
export async function runPipeline(options: RunOptions, output: Output = processOutput): Promise<number> {
  let receiver: Receiver | undefined
  const env: Record<string, string | undefined> = { ...process.env }
  // The receiver starts before the pipeline knows its secrets: it redacts with this once it does.
  let redact = (text: string) => text
  if (options.receiver) {
    receiver = await startReceiver((r) => {
      if (!options.json) output.err(color.dim(`receiver ← ${redact(describeReceived(r))}`))
    })
    env.PATCHBAY_RECEIVER_URL = receiver.url
    if (!options.json) output.err(color.dim(`receiver listening on ${receiver.url} (PATCHBAY_RECEIVER_URL)`))
  }
  try {
    const loaded = loadPipelineFile(options.pipeline, { env })
    const pipelineOptions: PipelineOptions = {
      logSink: (record) => {
        if (!options.json || record.level === 'warn' || record.level === 'error')
          output.err(`${color.dim(record.scope)} ${record.message}`)
      },
    }
    // Identity stitching (pipeline `identity:`): a graph in memory for this run.
    const identity = loaded.definition.identity
      ? await import('@patchbay/identity').then(async (m) => {
          const graph = await m.openIdentityGraph({
            store: m.createMemoryIdentityStore(),
            settings: loaded.definition.identity,
          })
          pipelineOptions.stages = [m.identityStage(graph, { changes: true })]
          return graph
        })
      : undefined
    const userCode = await userCodeLoaderFor(
      loaded.definition,
      output,
      options.json,
      identity ? (id) => identity.lookup(id) : undefined,
    )
    if (userCode) pipelineOptions.userCode = userCode
    // The sources' tracking plans, enforced before the transformations as in the gateway.
    const plans = enforcePlans(loaded)
    if (plans.stage) pipelineOptions.validate = plans.stage
    // Events read as they are come from the pipeline's only source, if it has one.
    const sources = loaded.definition.sources ?? []
    const sourceId = options.source ?? (sources.length === 1 ? sources[0]!.id : undefined)
    const pipeline = await createPipeline(loaded, pipelineOptions)
    redact = pipeline.redactor.string
    const outcomesFile = options.outcomes ? createWriteStream(options.outcomes) : undefined
    const all: Outcome[] = []
    const firstErrors = new Map<string, Outcome>()
    let events = 0
    let badLines = 0
    try {
      const batches = options.source
        ? readThroughSource(
            loaded,
            options.source,
            options.input,
            options.batchSize ?? 500,
            pipelineOptions.logSink!,
          )
        : readJsonl(options.input, options.batchSize ?? 500)
      for await (const batch of batches) {
        for (const bad of batch.bad) output.err(`${color.red('input')} ${bad.message}`)
        badLines += batch.bad.length
        const outcomes = await pipeline.process(batch.events, sourceId ? { sourceId } : {})
        for (const o of outcomes) {
          const withLine = { ...o, index: events + o.index, line: batch.lines[o.index] }
          if (o.status === 'failed' && !firstErrors.has(o.destination))
            firstErrors.set(o.destination, withLine)
          all.push(withLine)
          outcomesFile?.write(`${JSON.stringify(withLine)}\n`)
        }
        events += batch.events.length
        if (output.tty && !options.json)
          process.stderr.write(`\r${color.dim(`${events.toLocaleString('en-US')} events processed`)}`)
      }
    } finally {
      if (output.tty && !options.json) process.stderr.write('\r\u001b[K')
      await pipeline.close()
      await userCode?.close()
      await identity?.close()
      await new Promise<void>((resolve) => (outcomesFile ? outcomesFile.end(resolve) : resolve()))
    }
    const summary = summarizeOutcomes(events, all)
    const failed = all.some((o) => o.status === 'failed') || badLines > 0
    if (options.json) {
      output.out(
        JSON.stringify({
          pipeline: pipeline.name,
          ...summary,
          unreadableLines: badLines,
          notices: pipeline.notices,
          ok: !failed,
        }),
      )
    } else {
      output.out(formatSummary(summary, pipeline.destinations, firstErrors, badLines))
      if (receiver) output.out(color.dim(`receiver got ${receiver.received.length} requests`))
    }
    return failed ? EXIT.failed : EXIT.ok
  } finally {
    await receiver?.close()
  }
}

export default defineCommand({
  meta: {
    name: 'run',
    description: `Run a file of events through a pipeline, then print what happened to them at each destination.

Examples:
  patchbay run pipeline.yaml --input events.jsonl
  patchbay run docs/examples/pipeline.yaml --input docs/examples/events.jsonl --receiver
  cat events.jsonl | patchbay run pipeline.yaml --input - --json
  patchbay run logs.yaml --source logs --input /var/log/nginx/access.log

Exit codes: 0 all delivered or dropped by rule, 1 some events failed, 2 bad pipeline or usage.`,
  },
  args: {
    pipeline: { type: 'positional', description: 'Pipeline file (YAML or JSON)', required: true },
    input: { type: 'string', alias: 'i', description: 'Events as JSON lines; - reads stdin', required: true },
    receiver: {
      type: 'boolean',
      description: 'Start a local receiver on 127.0.0.1 and expose its URL as ${PATCHBAY_RECEIVER_URL}',
    },
    json: { type: 'boolean', description: 'Print the summary as JSON' },
    outcomes: {
      type: 'string',
      description: 'Write every outcome as JSON lines to this file, with its input line number',
    },
    source: {
      type: 'string',
      description:
        'Read --input through this source of the pipeline (e.g. log lines) instead of as JSONL events',
    },
    'batch-size': {
      type: 'string',
      description: "Events per batch, also through --source (whatever the source's own batchSize)",
      default: '500',
    },
  },
  async run({ args }) {
    const batchSize = Number(args['batch-size'])
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new UsageError(`--batch-size must be a positive integer, got "${args['batch-size']}"`)
    process.exitCode = await runPipeline({
      pipeline: args.pipeline,
      input: args.input,
      json: args.json,
      receiver: args.receiver,
      batchSize,
      outcomes: args.outcomes,
      source: args.source,
    })
  },
})
