/**
 * `npm run build`: builds every workspace package once the workspace packages it depends on
 * are built (their dist/index.d.ts is what its declarations are checked against; see
 * tsup.shared.ts), several at a time: one per core, at most 4, or `PATCHBAY_BUILD_JOBS`.
 * Each package's output is shown when it fails; a failure starts nothing new, lets the
 * builds under way finish, and exits 1.
 *
 * `npm run build --workspaces` built them one after another in the root package.json's
 * order: on a 2-core machine this takes about two thirds of its time.
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')

interface Workspace {
  dir: string
  name: string
  /** The workspace packages it depends on (any kind of dependency). */
  needs: string[]
}

function workspaces(): Workspace[] {
  const globs = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] })
    .workspaces
  const dirs = globs.flatMap((w) =>
    w.endsWith('/*')
      ? readdirSync(join(root, w.slice(0, -2)), { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => `${w.slice(0, -2)}/${e.name}`)
          .sort()
      : [w],
  )
  const manifests = dirs.map((dir) => ({
    dir,
    pkg: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Record<string, unknown>,
  }))
  const names = new Set(manifests.map((m) => m.pkg.name as string))
  return manifests.map(({ dir, pkg }) => {
    const deps = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].flatMap(
      (field) => Object.keys((pkg[field] as Record<string, string> | undefined) ?? {}),
    )
    return {
      dir,
      name: pkg.name as string,
      needs: [...new Set(deps)].filter((d) => names.has(d) && d !== pkg.name),
    }
  })
}

function build(ws: Workspace): Promise<{ ok: boolean; output: string; ms: number }> {
  const started = performance.now()
  return new Promise((done) => {
    const child = spawn('npm', ['run', 'build', '--if-present', '--silent'], {
      cwd: join(root, ws.dir),
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (c: Buffer) => {
      output += c
    })
    child.stderr.on('data', (c: Buffer) => {
      output += c
    })
    child.once('error', (error) => done({ ok: false, output: `${output}${error.message}\n`, ms: 0 }))
    child.once('close', (code) => done({ ok: code === 0, output, ms: performance.now() - started }))
  })
}

const all = workspaces()
const jobs = Math.max(1, Number(process.env.PATCHBAY_BUILD_JOBS) || Math.min(4, availableParallelism()))
const built = new Set<string>()
const waiting = [...all]
let running = 0
let failed: string | undefined
const start = performance.now()

await new Promise<void>((finish) => {
  const next = () => {
    while (!failed && running < jobs) {
      const i = waiting.findIndex((ws) => ws.needs.every((n) => built.has(n)))
      if (i < 0) break
      const [ws] = waiting.splice(i, 1)
      running++
      void build(ws!).then(({ ok, output, ms }) => {
        running--
        if (ok) {
          built.add(ws!.name)
          console.log(`build: ${ws!.name} (${(ms / 1000).toFixed(1)} s)`)
        } else {
          failed ??= ws!.name
          process.stderr.write(`${output}\nbuild: ${ws!.name} failed (in ${ws!.dir})\n`)
        }
        next()
      })
    }
    if (running > 0) return
    if (!failed && waiting.length > 0) {
      const stuck = waiting.map(
        (ws) => `${ws.name} (needs ${ws.needs.filter((n) => !built.has(n)).join(', ')})`,
      )
      failed = 'a cycle'
      process.stderr.write(
        `build: the workspace dependencies form a cycle; these cannot be built: ${stuck.join('; ')}\n`,
      )
    }
    finish()
  }
  next()
})

if (failed) process.exit(1)
console.log(
  `build: ${built.size} packages in ${((performance.now() - start) / 1000).toFixed(1)} s, ${jobs} at a time`,
)
