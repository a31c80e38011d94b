import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ScaffoldError } from './scaffold-error.ts'

/** The folder, inside a generated package, that holds the packed local @patchbay/* tarballs. */
export const LOCAL_DIR = '.patchbay-local'

interface Manifest {
  name: string
  private?: boolean
  workspaces?: string[]
  dependencies?: Record<string, string>
}

function readManifest(dir: string): Manifest {
  const file = join(dir, 'package.json')
  if (!existsSync(file))
    throw new ScaffoldError(`--local ${dir} is not a Patchbay checkout: it has no package.json`, 'local')
  return JSON.parse(readFileSync(file, 'utf8'))
}

/** The workspace folders of a Patchbay checkout, by package name. */
function workspaces(checkout: string): Map<string, string> {
  const root = readManifest(checkout)
  if (!root.workspaces?.length)
    throw new ScaffoldError(
      `--local ${checkout} is not a Patchbay checkout: its package.json has no workspaces`,
      'local',
    )
  const found = new Map<string, string>()
  for (const pattern of root.workspaces) {
    const dirs = pattern.endsWith('/*')
      ? readdirSync(join(checkout, pattern.slice(0, -2))).map((d) => join(checkout, pattern.slice(0, -2), d))
      : [join(checkout, pattern)]
    for (const dir of dirs) if (existsSync(join(dir, 'package.json'))) found.set(readManifest(dir).name, dir)
  }
  return found
}

/**
 * Packs `wanted` and the @patchbay/* packages they depend on from a Patchbay checkout into
 * `<target>/.patchbay-local/`, and returns `file:` specs by package name. The packages must
 * be built (`npm run build` in the checkout): a tarball without dist/ would not import.
 */
export function packLocal(checkout: string, target: string, wanted: string[]): Record<string, string> {
  const root = resolve(checkout)
  const dirs = workspaces(root)
  const needed = new Set<string>()
  const visit = (name: string) => {
    if (needed.has(name)) return
    const dir = dirs.get(name)
    if (!dir) throw new ScaffoldError(`${root} has no workspace package ${name}`)
    if (!existsSync(join(dir, 'dist')))
      throw new ScaffoldError(`${name} is not built in ${root}: run \`npm run build\` there first`)
    needed.add(name)
    for (const dep of Object.keys(readManifest(dir).dependencies ?? {}))
      if (dep.startsWith('@patchbay/')) visit(dep)
  }
  for (const name of wanted) visit(name)

  const out = join(target, LOCAL_DIR)
  mkdirSync(out, { recursive: true })
  const packed = JSON.parse(
    execFileSync(
      'npm',
      ['pack', '--json', '--silent', '--pack-destination', out, ...[...needed].flatMap((n) => ['-w', n])],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  ) as Array<{ name: string; filename: string }>
  return Object.fromEntries(packed.map((p) => [p.name, `file:${LOCAL_DIR}/${p.filename}`]))
}
