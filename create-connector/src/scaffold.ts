import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Value } from 'typebox/value'
import { packLocal } from './_local.ts'
import { packageJson } from './_package-json.ts'
import { renderTemplate } from './_render.ts'
import { packageNameProblem, type ScaffoldOptions, ScaffoldOptionsSchema, unscopedName } from './options.ts'
import { ScaffoldError } from './scaffold-error.ts'

const TEMPLATES = fileURLToPath(new URL('../templates/', import.meta.url))

/** Every file of a template folder, as paths relative to it. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry)
    return statSync(path).isDirectory() ? walk(path, base) : [relative(base, path)]
  })
}

/** `_gitignore` → `.gitignore`: npm drops dotfiles named .gitignore from tarballs. */
const outputName = (file: string) => file.replace(/(^|\/)_gitignore$/, '$1.gitignore')

/** A title for the manifest from the package name: `@acme/destination-crm` → `Destination Crm`. */
const titleOf = (name: string) =>
  unscopedName(name)
    .split(/[-_.]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ')

/** Checks options before anything is written; throws a ScaffoldError naming the field. */
export function checkOptions(options: ScaffoldOptions): void {
  if (!Value.Check(ScaffoldOptionsSchema, options)) {
    const [issue] = Value.Errors(ScaffoldOptionsSchema, options)
    const field = issue?.instancePath.replace(/^\//, '') || 'options'
    throw new ScaffoldError(`--${field}: ${issue?.message ?? 'invalid'}`, field)
  }
  const problem = packageNameProblem(options.name)
  if (problem) throw new ScaffoldError(`"${options.name}" cannot be a package name: ${problem}`, 'name')
  if (/\*\/|[\r\n]/.test(options.description))
    throw new ScaffoldError('--description must be one line, without "*/"', 'description')
  const dir = resolve(options.dir)
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0))
    throw new ScaffoldError(
      `${dir} already exists and is not empty: choose another name, or pass --dir <empty folder>`,
      'dir',
    )
}

/** The files of the scaffold, rendered in memory: path → content. */
export function renderScaffold(
  options: ScaffoldOptions,
  local?: Record<string, string>,
): Map<string, string> {
  const client = options.kind === 'destination' && options.transport === 'client'
  const vars = {
    kind: options.kind,
    transport: client ? 'client' : 'http',
    name: options.name,
    id: unscopedName(options.name).replace(/[^a-z0-9]+/g, '_'),
    title: titleOf(options.name),
    description: options.description,
    auth: options.kind === 'destination' && !client ? options.auth : 'none',
    batching: options.kind === 'destination' && !client && options.batching,
    pm: options.packageManager,
  }
  const files = new Map<string, string>()
  for (const folder of ['shared', client ? 'destination-client' : options.kind]) {
    const base = join(TEMPLATES, folder)
    for (const file of walk(base))
      files.set(
        outputName(file),
        renderTemplate(readFileSync(join(base, file), 'utf8'), vars, `${folder}/${file}`),
      )
  }
  files.set('package.json', packageJson(options, local))
  return files
}

/**
 * Generates a connector package: checks the options (nothing is written when they are
 * wrong), renders the templates for the kind, and writes them to `options.dir`. With
 * `local`, @patchbay/* come from that checkout as packed tarballs.
 *
 * @example
 * const { dir, files } = scaffold({ kind: 'destination', name: '@acme/destination-crm',
 *   description: 'Sends events to Acme CRM', auth: 'bearer', batching: false,
 *   packageManager: 'npm', dir: 'destination-crm' })
 */
export function scaffold(options: ScaffoldOptions): { dir: string; files: string[] } {
  checkOptions(options)
  const dir = resolve(options.dir)
  const created = !existsSync(dir)
  try {
    mkdirSync(dir, { recursive: true })
    const local = options.local
      ? packLocal(options.local, dir, ['@patchbay/core', '@patchbay/testing', '@patchbay/cli'])
      : undefined
    const files = renderScaffold(options, local)
    for (const [file, content] of files) {
      mkdirSync(dirname(join(dir, file)), { recursive: true })
      writeFileSync(join(dir, file), content)
    }
    return { dir, files: [...files.keys()].sort() }
  } catch (error) {
    // Leave nothing half-done: remove what this run created.
    if (created) rmSync(dir, { recursive: true, force: true })
    else for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true })
    throw error
  }
}
