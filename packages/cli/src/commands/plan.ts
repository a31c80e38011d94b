import { readFileSync, writeFileSync } from 'node:fs'
import {
  checkEvents,
  compilePlan,
  diffPlans,
  generateTypes,
  inferPlan,
  loadPlanFile,
} from '@patchbay/tracking-plan'
import { defineCommand } from 'citty'
import { stringify } from 'yaml'
import { EXIT } from '../_exit.ts'
import { color, type Output, processOutput } from '../_output.ts'
import { reportFromEvents, reportFromMetrics, table } from '../_plan-report.ts'
import { readJsonl } from '../_read-events.ts'

/** Every event of a JSONL file, with its line; bad lines are reported on stderr and skipped. */
async function readAll(path: string, output: Output) {
  const events: unknown[] = []
  const lines: number[] = []
  for await (const batch of readJsonl(path, 1000)) {
    for (const bad of batch.bad) output.err(`${color.red('input')} ${bad.message}`)
    events.push(...batch.events)
    lines.push(...batch.lines)
  }
  return { events, lines }
}

/** `patchbay plan infer events.jsonl`: prints a drafted plan (YAML). */
export async function planInfer(
  options: { input: string; name?: string; out?: string },
  output: Output = processOutput,
): Promise<number> {
  const { events } = await readAll(options.input, output)
  const plan = inferPlan(events, { name: options.name ?? 'inferred' })
  const text = stringify(plan, { lineWidth: 0 })
  if (options.out) {
    writeFileSync(options.out, text)
    output.err(
      `wrote ${options.out}: ${Object.keys(plan.track ?? {}).length} track events from ${events.length} events; review it before enforcing`,
    )
  } else output.out(text.trimEnd())
  return EXIT.ok
}

/** `patchbay plan check plan.yaml events.jsonl`: exit 1 when any event violates the plan. */
export async function planCheck(
  options: { plan: string; input: string; json?: boolean },
  output: Output = processOutput,
): Promise<number> {
  const compiled = compilePlan(loadPlanFile(options.plan).plan)
  const { events, lines } = await readAll(options.input, output)
  const result = checkEvents(compiled, events)
  const violating = result.violating.map((v) => ({ ...v, line: lines[v.line - 1] ?? v.line }))
  if (options.json) {
    output.out(
      JSON.stringify(
        { plan: compiled.name, version: compiled.version, checked: result.checked, violating },
        null,
        2,
      ),
    )
  } else {
    if (violating.length > 0)
      output.out(
        table(
          ['LINE', 'EVENT', 'VIOLATION', 'FIELD', 'MESSAGE'],
          violating.flatMap((v) =>
            v.violations.map((x) => [
              String(v.line),
              v.event ?? v.type,
              x.type,
              x.meta.instancePath ?? '',
              x.message,
            ]),
          ),
        ),
      )
    const summary = `${result.checked} events checked against ${compiled.name} v${compiled.version}: ${violating.length} violating`
    output.err(violating.length > 0 ? color.red(summary) : color.green(summary))
  }
  return violating.length > 0 ? EXIT.failed : EXIT.ok
}

/** `patchbay plan diff old.yaml new.yaml`: exit 1 when a change breaks existing senders. */
export function planDiff(
  options: { before: string; after: string; json?: boolean },
  output: Output = processOutput,
): number {
  const before = loadPlanFile(options.before).plan
  const after = loadPlanFile(options.after).plan
  const changes = diffPlans(before, after)
  const breaking = changes.filter((c) => c.breaking)
  if (options.json) output.out(JSON.stringify({ from: before.version, to: after.version, changes }, null, 2))
  else {
    for (const c of changes)
      output.out(
        `${c.breaking ? color.red('BREAKING') : color.green('ok      ')}  ${c.kind.padEnd(28)}  ${c.message}`,
      )
    output.err(
      `${before.name} v${before.version} → v${after.version}: ${changes.length} changes, ${breaking.length} breaking`,
    )
  }
  return breaking.length > 0 ? EXIT.failed : EXIT.ok
}

/** `patchbay plan types plan.yaml`: TypeScript tracking functions over the Segment/RudderStack SDKs. */
export async function planTypes(
  options: { plan: string; out?: string },
  output: Output = processOutput,
): Promise<number> {
  const code = await generateTypes(loadPlanFile(options.plan).plan)
  if (options.out) {
    writeFileSync(options.out, code)
    output.err(`wrote ${options.out}`)
  } else output.out(code.trimEnd())
  return EXIT.ok
}

/** `patchbay plan report events.jsonl | http://gateway`: violations per event and type. */
export async function planReport(
  options: { input: string; json?: boolean },
  output: Output = processOutput,
): Promise<number> {
  let report: {
    events: number
    violating: number
    dropped?: number
    rows: ReturnType<typeof reportFromEvents>['rows']
  }
  if (/^https?:\/\//.test(options.input)) {
    const url = options.input.endsWith('/metrics')
      ? options.input
      : `${options.input.replace(/\/$/, '')}/metrics`
    const response = await fetch(url)
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`)
    report = reportFromMetrics(await response.text())
  } else if (options.input.endsWith('.prom') || options.input.endsWith('.txt')) {
    report = reportFromMetrics(readFileSync(options.input, 'utf8'))
  } else {
    report = reportFromEvents((await readAll(options.input, output)).events)
  }
  if (options.json) {
    output.out(JSON.stringify(report, null, 2))
    return EXIT.ok
  }
  if (report.rows.length > 0)
    output.out(
      table(
        ['SOURCE', 'PLAN', 'EVENT', 'VIOLATION', 'EVENTS'],
        report.rows.map((r) => [
          r.source ?? '-',
          r.plan ? `${r.plan} v${r.version}` : '-',
          r.event,
          r.type,
          String(r.count),
        ]),
      ),
    )
  output.err(
    `${report.events} events, ${report.violating} violating${report.dropped !== undefined ? `, ${report.dropped} dropped` : ''}`,
  )
  return EXIT.ok
}

const infer = defineCommand({
  meta: {
    name: 'infer',
    description: 'Draft a tracking plan (YAML) from a JSONL file of real events, to review and edit.',
  },
  args: {
    input: { type: 'positional', description: 'JSONL file of events (- for stdin)', required: true },
    name: { type: 'string', description: 'The plan name (default: inferred)' },
    out: { type: 'string', description: 'Write the plan to this file instead of stdout' },
  },
  async run({ args }) {
    process.exitCode = await planInfer({
      input: args.input,
      ...(args.name ? { name: args.name } : {}),
      ...(args.out ? { out: args.out } : {}),
    })
  },
})

const check = defineCommand({
  meta: {
    name: 'check',
    description: 'Check a JSONL file of events against a plan; exit 1 when any event violates it.',
  },
  args: {
    plan: { type: 'positional', description: 'The plan file', required: true },
    input: { type: 'positional', description: 'JSONL file of events (- for stdin)', required: true },
    json: { type: 'boolean', description: 'Print the violations as JSON' },
  },
  async run({ args }) {
    process.exitCode = await planCheck({ plan: args.plan, input: args.input, json: Boolean(args.json) })
  },
})

const diff = defineCommand({
  meta: {
    name: 'diff',
    description: 'Compare two versions of a plan; exit 1 when a change breaks existing senders.',
  },
  args: {
    before: { type: 'positional', description: 'The plan in force', required: true },
    after: { type: 'positional', description: 'The new plan', required: true },
    json: { type: 'boolean', description: 'Print the changes as JSON' },
  },
  run({ args }) {
    process.exitCode = planDiff({ before: args.before, after: args.after, json: Boolean(args.json) })
  },
})

const types = defineCommand({
  meta: {
    name: 'types',
    description:
      'Generate typed TypeScript tracking functions (Segment or RudderStack Node SDK) from a plan.',
  },
  args: {
    plan: { type: 'positional', description: 'The plan file', required: true },
    out: { type: 'string', description: 'Write to this .ts file instead of stdout' },
  },
  async run({ args }) {
    process.exitCode = await planTypes({ plan: args.plan, ...(args.out ? { out: args.out } : {}) })
  },
})

const report = defineCommand({
  meta: {
    name: 'report',
    description:
      "Violations per event and type: from forwarded events (JSONL) or a running gateway's /metrics.",
  },
  args: {
    input: {
      type: 'positional',
      description: 'A JSONL file of forwarded events, a saved .prom exposition, or a gateway URL',
      required: true,
    },
    json: { type: 'boolean', description: 'Print the report as JSON' },
  },
  async run({ args }) {
    process.exitCode = await planReport({ input: args.input, json: Boolean(args.json) })
  },
})

export default defineCommand({
  meta: {
    name: 'plan',
    description: `Tracking plans: draft one from traffic, check events against it, compare versions, generate types, report violations.

Examples:
  patchbay plan infer events.jsonl --name shop --out tracking-plan.yaml
  patchbay plan check tracking-plan.yaml events.jsonl
  patchbay plan diff tracking-plan.v1.yaml tracking-plan.yaml
  patchbay plan types tracking-plan.yaml --out src/tracking.ts
  patchbay plan report http://127.0.0.1:8080`,
  },
  subCommands: { infer, check, diff, types, report },
})
