import {
  type AnyPlugin,
  type DestinationPlugin,
  type InboundRequest,
  isPatchbayError,
  type SourcePlugin,
  type TransformationPlugin,
} from '@patchbay/core'
import { pluginContext } from './_context.ts'
import { deepFreeze } from './_samples.ts'
import { type GlobalUse, withSeededGlobals } from './_seeded-globals.ts'
import { type Finding, pass, violation } from './finding.ts'

/**
 * One golden file (`golden/<name>.json`). What it holds depends on the plugin's kind:
 * - destination: `{ config?, event, requests, batch? }`; `batch` is what `transformBatch([event])`
 *   plans, when the plugin batches with this config (production takes that path);
 * - transformation: `{ config?, in: [events], out: [events] }`;
 * - source: `{ config?, request: { method?, url?, headers?, query?, body }, events }`.
 */
export interface GoldenFixture {
  name: string
  file: string
  config?: unknown
  [field: string]: unknown
}

/** The fields a golden of this kind records (compared, and rewritten by `--update`). */
const OUTPUTS = {
  destination: ['requests', 'batch'],
  transformation: ['out'],
  source: ['events'],
} as const

/** JSON with object keys sorted, so key order does not make two values differ. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  )
const json = (value: unknown) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)))
const asError = (error: unknown) => ({
  error: isPatchbayError(error)
    ? { code: error.code, message: error.message }
    : { name: (error as Error)?.name ?? typeof error, message: (error as Error)?.message ?? String(error) },
})
const list = (out: unknown) => (out === null || out === undefined ? [] : Array.isArray(out) ? out : [out])

/** What the plugin makes of the golden's input now: the fields `OUTPUTS` names. */
async function produce(plugin: AnyPlugin, golden: GoldenFixture, config: unknown) {
  const ctx = pluginContext(plugin, config)
  const frozen = (value: unknown) => deepFreeze(structuredClone(value))
  if (plugin.kind === 'destination') {
    const dest = plugin as DestinationPlugin
    const requests = await Promise.resolve()
      .then(() => dest.transform(frozen(golden.event) as never, ctx as never))
      .then(list, asError)
    // The batch path, when production takes it for this config (as the engine decides).
    const batching = dest.transformBatch && (dest.batch ? dest.batch(config as never) : true)
    const batch = batching
      ? await Promise.resolve()
          .then(() => dest.transformBatch!([frozen(golden.event)] as never, ctx as never))
          .then(
            (plan) =>
              plan.map((entry) =>
                'error' in entry ? { events: entry.events, ...asError(entry.error) } : entry,
              ),
            asError,
          )
      : undefined
    return json({ requests, ...(batch ? { batch } : {}) }) as Record<string, unknown>
  }
  if (plugin.kind === 'transformation') {
    const t = plugin as TransformationPlugin
    const tctx = { ...ctx, metadata: { stepId: 'contract' } }
    const input = list(golden.in).map(frozen)
    let out: unknown[]
    if (t.transformEvent) {
      out = []
      for (const event of input)
        out.push(
          ...(await Promise.resolve()
            .then(() => t.transformEvent!(event as never, tctx as never))
            .then(list, (e) => [asError(e)])),
        )
    } else
      out = await Promise.resolve()
        .then(() => t.transformBatch!(input as never, tctx as never))
        .then(list, (e) => [asError(e)])
    return json({ out }) as Record<string, unknown>
  }
  const source = plugin as SourcePlugin
  const request = {
    method: 'POST',
    url: '/v1/webhook/contract',
    headers: {},
    query: {},
    ...(golden.request as Partial<InboundRequest>),
  }
  const events = await Promise.resolve()
    .then(() => source.parse(frozen(request) as InboundRequest, ctx as never))
    .then((r) => r.events, asError)
  return json({ events }) as Record<string, unknown>
}

export interface GoldenResult {
  findings: Finding[]
  /** What the plugin produced, to compare (or to record with `--update`). */
  actual: Record<string, unknown>
  expected: Record<string, unknown>
}

/**
 * Runs one golden twice, with the clock and randomness seeded: the output must equal the
 * golden's, be the same both times, and come without reading the clock or random numbers
 * unless the plugin declares it (`uses: ['clock', 'random']`; `ctx.now()` and
 * `ctx.randomId()` are always fine).
 */
export async function checkGolden(
  plugin: AnyPlugin,
  golden: GoldenFixture,
  config: unknown,
): Promise<GoldenResult> {
  const first = await withSeededGlobals(() => produce(plugin, golden, config))
  const second = await withSeededGlobals(() => produce(plugin, golden, config))
  const actual = first.value
  const fields = OUTPUTS[plugin.kind]
  const expected = Object.fromEntries(
    fields.filter((f) => golden[f] !== undefined).map((f) => [f, golden[f]]),
  )
  const compared = Object.fromEntries(
    fields.filter((f) => actual[f] !== undefined).map((f) => [f, actual[f]]),
  )
  const findings: Finding[] = []
  const rule = `golden ${golden.name}`
  const same = canonical(compared) === canonical(expected)
  findings.push(
    same
      ? pass(rule)
      : violation(
          rule,
          `The plugin's output for ${golden.file} equals the recorded ${fields.filter((f) => compared[f] !== undefined).join(' and ')}.`,
          `it produced ${JSON.stringify(compared).slice(0, 400)}, the golden has ${JSON.stringify(expected).slice(0, 400)}`,
          'If the change is intended, re-record with `patchbay test --update` (or PATCHBAY_UPDATE_GOLDENS=1) and review the diff.',
        ),
  )
  findings.push(
    canonical(second.value) === canonical(first.value)
      ? pass(`${rule} deterministic`)
      : violation(
          `${rule} deterministic`,
          'The same input and config give the same output every time.',
          `two runs of ${golden.file} differed: ${JSON.stringify(first.value).slice(0, 200)} vs ${JSON.stringify(second.value).slice(0, 200)}`,
          'Do not keep state between calls; take times and ids from the event, ctx.now() or ctx.randomId().',
        ),
  )
  findings.push(undeclared(plugin, first.use, rule))
  return { findings, actual: compared, expected }
}

function undeclared(plugin: AnyPlugin, use: GlobalUse, rule: string): Finding {
  const declared = new Set(plugin.uses ?? [])
  const problems = [
    ...(declared.has('clock') ? [] : use.clock),
    ...(declared.has('random') ? [] : use.random),
  ]
  return problems.length === 0
    ? pass(`${rule} clock and randomness`)
    : violation(
        `${rule} clock and randomness`,
        "A plugin takes the time from ctx.now() and ids from ctx.randomId() (seeded under test), or declares `uses: ['clock']` / `uses: ['random']`.",
        `it called ${[...new Set(problems)].slice(0, 3).join('; ')}`,
        "Use ctx.now() and ctx.randomId(), or add `uses: ['clock', 'random']` to the definition if it must read them itself.",
      )
}
