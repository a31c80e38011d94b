import {
  type CommandDef,
  type CommandMeta,
  defineCommand,
  renderUsage,
  runCommand,
  type SubCommandsDef,
} from 'citty'
import pkg from '../package.json' with { type: 'json' }
import { EXIT, UsageError } from './_exit.ts'
import { processOutput } from './_output.ts'

/**
 * Subcommands load lazily, and so does core (only to format an error), so `patchbay --help`
 * and `--version` import citty and nothing of the runtime or the sandbox.
 */
const commands = {
  run: () => import('./commands/run.ts').then((m) => m.default as CommandDef),
  transform: () => import('./commands/transform.ts').then((m) => m.default as CommandDef),
  test: () => import('./commands/test.ts').then((m) => m.default as CommandDef),
  validate: () => import('./commands/validate.ts').then((m) => m.default as CommandDef),
  check: () => import('./commands/check.ts').then((m) => m.default as CommandDef),
  dev: () => import('./commands/dev.ts').then((m) => m.default as CommandDef),
  send: () => import('./commands/send.ts').then((m) => m.default as CommandDef),
  types: () => import('./commands/types.ts').then((m) => m.default as CommandDef),
  plugins: () => import('./commands/plugins.ts').then((m) => m.default as CommandDef),
  sync: () => import('./commands/sync.ts').then((m) => m.default as CommandDef),
  serve: () => import('./commands/serve.ts').then((m) => m.default as CommandDef),
  dlq: () => import('./commands/dlq.ts').then((m) => m.default as CommandDef),
  regulations: () => import('./commands/regulations.ts').then((m) => m.default as CommandDef),
  plan: () => import('./commands/plan.ts').then((m) => m.default as CommandDef),
  warehouse: () => import('./commands/warehouse.ts').then((m) => m.default as CommandDef),
  identity: () => import('./commands/identity.ts').then((m) => m.default as CommandDef),
} satisfies SubCommandsDef

export const patchbay = defineCommand({
  meta: {
    name: 'patchbay',
    version: pkg.version,
    description:
      'Typed, versioned, sandboxed customer-event connectors. Run `patchbay <command> --help` for examples.',
  },
  subCommands: commands,
})

const resolveValue = async <T>(value: T | (() => T | Promise<T>)): Promise<T> =>
  typeof value === 'function' ? await (value as () => T | Promise<T>)() : value

/** Finds the (sub)command the arguments name, for `--help`, and the command it belongs to. */
async function commandFor(argv: string[]): Promise<{ cmd: CommandDef; parent?: CommandDef }> {
  const [name, ...rest] = argv.filter((a) => !a.startsWith('-'))
  const load = name ? commands[name as keyof typeof commands] : undefined
  if (!load) return { cmd: patchbay }
  let parent: CommandDef = patchbay
  let cmd = await load()
  // Nested commands (`patchbay dlq purge --help`): follow the names as far as they go.
  for (const sub of rest) {
    const subs = (await resolveValue(cmd.subCommands)) as SubCommandsDef | undefined
    const next = subs?.[sub]
    if (!next) break
    parent = cmd
    cmd = (await resolveValue(next)) as CommandDef
  }
  return { cmd, parent }
}

/**
 * `patchbay` with its commands' metadata from dist/commands.json (written at build time by
 * scripts/emit-command-meta.ts), so the top-level help needs no command imported. Undefined
 * when running from sources, which have no such file: then the commands load.
 */
async function builtUsage(): Promise<CommandDef | undefined> {
  const { readFile } = await import('node:fs/promises')
  const text = await readFile(new URL('./commands.json', import.meta.url), 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  const metas = JSON.parse(text) as Record<string, CommandMeta>
  return {
    ...patchbay,
    subCommands: Object.fromEntries(Object.entries(metas).map(([name, meta]) => [name, { meta }])),
  }
}

/**
 * Runs the CLI. Known errors print their message and a hint (exit 2); usage errors print
 * the command's help; only unexpected errors print a stack (exit 70).
 */
export async function main(argv: string[]): Promise<void> {
  const out = processOutput
  if (process.channel) {
    // Started by bin/patchbay.js: when the launcher goes away, stop as if told to.
    process.channel.unref()
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'))
  }
  try {
    if (argv.includes('--help') || argv.includes('-h') || argv.length === 0) {
      const { cmd, parent } = await commandFor(argv)
      const usage = cmd === patchbay ? ((await builtUsage()) ?? patchbay) : cmd
      out.out(await renderUsage(usage, cmd === patchbay ? undefined : parent))
      process.exitCode = argv.length === 0 ? EXIT.usage : EXIT.ok
      return
    }
    if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
      out.out(pkg.version)
      return
    }
    const name = argv[0]!
    if (!(name in commands))
      throw new UsageError(`Unknown command "${name}". Commands: ${Object.keys(commands).join(', ')}`)
    await runCommand(patchbay, { rawArgs: argv })
  } catch (error) {
    const [{ isPatchbayError }, { formatError }] = await Promise.all([
      import('@patchbay/core'),
      import('./_format-error.ts'),
    ])
    if (isPatchbayError(error)) {
      out.err(formatError(error))
      process.exitCode = error.family === 'configuration' ? EXIT.usage : EXIT.failed
    } else if (error instanceof UsageError || (error as { name?: string }).name === 'CLIError') {
      out.err(formatError(error))
      out.err(`Run \`patchbay ${argv[0] && argv[0] in commands ? `${argv[0]} ` : ''}--help\` for usage.`)
      process.exitCode = EXIT.usage
    } else {
      out.err(
        `patchbay hit an unexpected error (a bug; please report it with this output):\n${(error as Error)?.stack ?? String(error)}`,
      )
      process.exitCode = EXIT.internal
    }
  }
}

if (import.meta.main) await main(process.argv.slice(2))
