import { parseArgs } from 'node:util'
import { Cancelled, promptOptions } from './_prompts.ts'
import {
  KINDS,
  PACKAGE_MANAGERS,
  type PackageManager,
  type ScaffoldOptions,
  TRANSPORTS,
  unscopedName,
} from './options.ts'
import { scaffold } from './scaffold.ts'
import { ScaffoldError } from './scaffold-error.ts'

const HELP = `Create a Patchbay connector package, ready to test.

Usage: npm create @patchbay/connector [name] -- [options]

Options (each answers a prompt; --yes takes the defaults for the rest):
  -k, --kind <kind>            ${KINDS.join(' | ')} (default: destination)
      --name <name>            npm package name, e.g. @acme/destination-crm
      --description <text>     one line for package.json and the README
      --transport <transport>  destinations: ${TRANSPORTS.join(' | ')} (default: http); client = a database,
                               queue or file written through a client the destination opens
      --auth <style>           HTTP destinations: none | api-key | basic | bearer (default: none)
      --batching               HTTP destinations: send track events in bulk (--no-batching: one by one)
      --package-manager <pm>   ${PACKAGE_MANAGERS.join(' | ')} (default: the one running this)
      --dir <folder>           where to create it (default: the name without its scope)
      --local <checkout>       depend on a Patchbay checkout's packages (packed) instead of the registry
  -y, --yes                    no prompts; also the default when there is no terminal
  -h, --help                   this help

Examples:
  npm create @patchbay/connector
  npm create @patchbay/connector @acme/destination-crm -- --kind destination --auth bearer --yes
  npm create @patchbay/connector source-forms -- --kind source --yes
  npm create @patchbay/connector @acme/destination-db -- --kind destination --transport client --yes
`

/** The package manager that runs us (`npm create`, `pnpm create`, …), from npm_config_user_agent. */
function runningPackageManager(): PackageManager {
  const agent = process.env.npm_config_user_agent?.split('/')[0]
  return (PACKAGE_MANAGERS as readonly string[]).includes(agent ?? '') ? (agent as PackageManager) : 'npm'
}

/** Runs the scaffold from command-line arguments. Returns the exit code (0, 1 cancelled, 2 bad input). */
export async function main(
  argv: string[],
  io = { out: process.stdout, err: process.stderr },
): Promise<number> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    io.err.write(`create-connector: ${(error as Error).message}\nRun with --help for the options.\n`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help) {
    io.out.write(HELP)
    return 0
  }
  if (positionals.length > 1) {
    io.err.write(`create-connector: one name at most, got ${positionals.join(', ')}\n`)
    return 2
  }
  const given: Partial<ScaffoldOptions> = {
    kind: values.kind as ScaffoldOptions['kind'] | undefined,
    name: values.name ?? positionals[0],
    description: values.description,
    auth: values.auth as ScaffoldOptions['auth'] | undefined,
    transport: values.transport as ScaffoldOptions['transport'] | undefined,
    batching: values.batching,
    packageManager: values['package-manager'] as PackageManager | undefined,
  }
  const kind = given.kind ?? 'destination'
  const defaults: ScaffoldOptions = {
    kind,
    name: given.name ?? `${kind}-example`,
    description: `A Patchbay ${kind}`,
    auth: 'none',
    transport: 'http',
    batching: false,
    packageManager: runningPackageManager(),
    dir: '',
  }
  const interactive = !values.yes && Boolean(process.stdin.isTTY && process.stdout.isTTY)
  try {
    const chosen = interactive ? await promptOptions(given, defaults) : { ...defaults, ...defined(given) }
    const options: ScaffoldOptions = {
      ...chosen,
      dir: values.dir ?? unscopedName(chosen.name),
      ...(values.local ? { local: values.local } : {}),
    }
    const { dir, files } = scaffold(options)
    const pm = options.packageManager
    io.out.write(
      `Created ${options.name} (a Patchbay ${options.kind === 'destination' && options.transport === 'client' ? 'client destination' : options.kind}) in ${dir}: ${files.length} files.\n\n` +
        `Next:\n  cd ${options.dir}\n  ${pm} install\n  ${pm} test\n`,
    )
    return 0
  } catch (error) {
    if (error instanceof Cancelled) return 1
    if (error instanceof ScaffoldError) {
      io.err.write(`create-connector: ${error.message}\nNothing was written.\n`)
      return 2
    }
    throw error
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    allowNegative: true,
    options: {
      kind: { type: 'string', short: 'k' },
      name: { type: 'string' },
      description: { type: 'string' },
      auth: { type: 'string' },
      transport: { type: 'string' },
      batching: { type: 'boolean' },
      'package-manager': { type: 'string' },
      dir: { type: 'string' },
      local: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

const defined = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
