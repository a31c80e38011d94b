// `npm run release:dry`: everything a release does except publishing.
//
// In a temporary copy of the repository it runs `changeset version` (bumps versions and
// writes changelogs from the pending changesets), packs every public package with `npm pack`,
// installs all the tarballs into a clean project, and checks that each one imports there
// (and that the bins start). Prints a table; exits 1 when anything fails. The repository
// itself is never changed. `--keep` keeps the temporary folder for a look inside.
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const keep = process.argv.includes('--keep')
const work = mkdtempSync(join(tmpdir(), 'patchbay-release-'))
const repo = join(work, 'repo')
const tarballs = join(work, 'tarballs')
const consumer = join(work, 'consumer')

interface Manifest {
  name: string
  version: string
  private?: boolean
  bin?: Record<string, string>
  workspaces?: string[]
  allowScripts?: Record<string, boolean>
}
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

function step(name: string) {
  process.stderr.write(`release:dry: ${name}\n`)
}

/** The public workspace packages, by folder. */
function publicPackages(dir: string): Array<{ dir: string; manifest: Manifest }> {
  const folders = run('npm', ['query', '.workspace', '--json'], dir)
  return (JSON.parse(folders) as Array<{ location: string }>)
    .map((w) => ({ dir: join(dir, w.location), manifest: manifest(join(dir, w.location)) }))
    .filter((p) => !p.manifest.private)
}

try {
  step(`copying the repository (tracked files and built dist/) to ${repo}`)
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root)
    .split('\0')
    .filter(Boolean)
  for (const file of files) {
    mkdirSync(dirname(join(repo, file)), { recursive: true })
    cpSync(join(root, file), join(repo, file))
  }
  for (const pkg of publicPackages(root)) {
    const dist = join(pkg.dir, 'dist')
    cpSync(dist, join(repo, pkg.dir.slice(root.length), 'dist'), { recursive: true })
  }
  symlinkSync(join(root, 'node_modules'), join(repo, 'node_modules'))

  step('changeset version')
  const changeset = join(root, 'node_modules', '@changesets', 'cli', 'bin.js')
  process.stderr.write(run(process.execPath, [changeset, 'version'], repo))

  const packages = publicPackages(repo)
  step(`npm pack: ${packages.length} public packages`)
  mkdirSync(tarballs)
  const packed = JSON.parse(
    run(
      'npm',
      ['pack', '--json', '--pack-destination', tarballs, ...packages.flatMap((p) => ['-w', p.manifest.name])],
      repo,
    ),
  ) as Array<{ name: string; version: string; filename: string; size: number; entryCount: number }>

  step('installing every tarball into a clean project')
  const specs = Object.fromEntries(packed.map((p) => [p.name, `file:${join(tarballs, p.filename)}`]))
  mkdirSync(consumer)
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({
      name: 'patchbay-release-check',
      private: true,
      type: 'module',
      dependencies: specs,
      // Unpublished versions: internal dependencies must come from these tarballs too.
      overrides: specs,
      allowScripts: manifest(root).allowScripts,
    }),
  )
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], consumer)

  step('importing each package, and starting each bin')
  const rows: string[][] = []
  let failed = 0
  for (const p of packed) {
    const imported = spawnSync(
      process.execPath,
      [
        '--no-node-snapshot',
        '--input-type=module',
        '-e',
        `console.log(Object.keys(await import('${p.name}')).length)`,
      ],
      { cwd: consumer, encoding: 'utf8' },
    )
    const bins = Object.keys(packages.find((q) => q.manifest.name === p.name)?.manifest.bin ?? {})
    const binResults = bins.map((bin) => {
      const r = spawnSync(join(consumer, 'node_modules', '.bin', bin), ['--help'], {
        cwd: consumer,
        encoding: 'utf8',
      })
      return { bin, ok: r.status === 0, error: r.stderr }
    })
    const ok = imported.status === 0 && binResults.every((b) => b.ok)
    if (!ok) {
      failed++
      process.stderr.write(`\n${p.name}:\n${imported.stderr}${binResults.map((b) => b.error).join('')}\n`)
    }
    rows.push([
      p.name,
      p.version,
      `${(p.size / 1024).toFixed(1)} KB`,
      String(p.entryCount),
      imported.status === 0 ? `${imported.stdout.trim()} exports` : 'FAILED',
      bins.map((b, i) => `${b} ${binResults[i]!.ok ? 'ok' : 'FAILED'}`).join(', ') || '-',
    ])
  }
  // A connector scaffolded by the packed create-connector must ask for the versions packed here.
  const core = packed.find((p) => p.name === '@patchbay/core')!
  run(join(consumer, 'node_modules', '.bin', 'create-connector'), ['release-probe', '--yes'], consumer)
  const probe = manifest(join(consumer, 'release-probe')) as Manifest & {
    peerDependencies: Record<string, string>
  }
  if (probe.peerDependencies['@patchbay/core'] !== `^${core.version}`) {
    failed++
    process.stderr.write(
      `create-connector scaffolds @patchbay/core ${probe.peerDependencies['@patchbay/core']}, not ^${core.version}: its devDependencies are stale\n`,
    )
  }

  const header = ['package', 'version', 'tarball', 'files', 'import', 'bin --help']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  console.log(line(header))
  for (const row of rows) console.log(line(row))
  console.log(
    failed === 0
      ? `\n${packed.length} packages ready to publish (nothing was published).`
      : `\n${failed} of ${packed.length} packages failed.`,
  )
  process.exitCode = failed === 0 ? 0 : 1
} finally {
  if (keep) process.stderr.write(`release:dry: kept ${work}\n`)
  else rmSync(work, { recursive: true, force: true })
}
