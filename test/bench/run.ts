/**
 * `npm run bench [-- --json FILE] [-- --filter SUBSTRING]`
 *
 * Discovers every `bench/*.bench.ts` in packages/ and connectors/, runs the cases one by one
 * against the built packages, prints a table, and with `--json FILE` writes
 * `{ "<name>": { "value": n, "unit": "..." } }`.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { BenchCase } from './_harness.ts'

const root = resolve(import.meta.dirname, '../..')
const { values } = parseArgs({
  options: { json: { type: 'string' }, filter: { type: 'string' } },
  allowPositionals: false,
})

function benchFiles(): string[] {
  const files: string[] = []
  for (const group of ['packages', 'connectors']) {
    const groupDir = join(root, group)
    if (!existsSync(groupDir)) continue
    for (const pkg of readdirSync(groupDir).sort()) {
      const dir = join(groupDir, pkg, 'bench')
      if (!existsSync(dir)) continue
      for (const f of readdirSync(dir).sort()) if (f.endsWith('.bench.ts')) files.push(join(dir, f))
    }
  }
  return files
}

const results: Record<string, { value: number; unit: string }> = {}
const rows: string[][] = []
const ctx = {
  get(name: string): number {
    const r = results[name]
    if (!r) throw new Error(`bench: figure "${name}" was not measured before it was needed`)
    return r.value
  },
}

const fmt = (n: number) =>
  Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : n >= 10 ? n.toFixed(1) : n.toFixed(3)

for (const file of benchFiles()) {
  const cases = ((await import(file)) as { default: BenchCase[] }).default
  for (const c of cases) {
    if (values.filter && !c.name.includes(values.filter)) continue
    process.stderr.write(`bench: ${c.name} (${relative(root, file)}) ...\n`)
    const value = await c.measure(ctx)
    results[c.name] = { value, unit: c.unit }
    const goal = c.goal ? `${c.goal.op} ${fmt(c.goal.value)}` : ''
    const met = c.goal
      ? (c.goal.op === '>=' ? value >= c.goal.value : value <= c.goal.value)
        ? 'yes'
        : 'NO'
      : ''
    rows.push([c.name, fmt(value), c.unit, goal, met, c.description ?? ''])
  }
}

const header = ['benchmark', 'value', 'unit', 'goal', 'met', 'what']
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
const line = (r: string[]) =>
  r.map((cell, i) => (i === 1 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')
console.log(line(header))
console.log(widths.map((w) => '-'.repeat(w)).join('  '))
for (const r of rows) console.log(line(r))

if (values.json) {
  writeFileSync(
    resolve(process.env.INIT_CWD ?? process.cwd(), values.json),
    `${JSON.stringify(results, null, 2)}\n`,
  )
  console.log(`\nbench: wrote ${Object.keys(results).length} figures to ${values.json}`)
}
