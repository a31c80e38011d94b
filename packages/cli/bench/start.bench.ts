import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { defineBench } from '../../../test/bench/_harness.ts'

// How long `patchbay --version` and `--help` take to start and exit, as a user runs them (the
// built bin, a fresh process each time), next to `node -e 0` measured in the same run: on a
// loaded machine the baseline moves with the figures. Median of 15 runs after 3 warm-ups
// (which also fill Node's compile cache, as a user's first run does).

const bin = fileURLToPath(new URL('../bin/patchbay.js', import.meta.url))

function medianSeconds(args: string[]): number {
  const times: number[] = []
  for (let i = 0; i < 18; i++) {
    const start = process.hrtime.bigint()
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' })
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    if (r.status !== 0) throw new Error(`bench: node ${args.join(' ')} exited ${r.status}`)
    if (i >= 3) times.push(seconds)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

export default defineBench([
  {
    name: 'cli.start.node_baseline',
    unit: 's',
    description: '`node -e 0`: the floor any Node command starts from, this run',
    measure: () => medianSeconds(['-e', '0']),
  },
  {
    name: 'cli.start.version',
    unit: 's',
    description: '`patchbay --version`, the built bin',
    goal: { op: '<=', value: 0.15 },
    measure: () => medianSeconds([bin, '--version']),
  },
  {
    name: 'cli.start.help',
    unit: 's',
    description: '`patchbay --help`: command list from dist/commands.json, no command imported',
    goal: { op: '<=', value: 0.15 },
    measure: () => medianSeconds([bin, '--help']),
  },
  {
    name: 'cli.start.version.over_node',
    unit: 's',
    description: '`patchbay --version` minus `node -e 0`: what the CLI itself adds',
    measure: (ctx) => ctx.get('cli.start.version') - ctx.get('cli.start.node_baseline'),
  },
  {
    name: 'cli.start.help.over_node',
    unit: 's',
    description: '`patchbay --help` minus `node -e 0`',
    measure: (ctx) => ctx.get('cli.start.help') - ctx.get('cli.start.node_baseline'),
  },
])
