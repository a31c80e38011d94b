// Writes dist/commands.json: each command's name and description, read from the built
// commands themselves. `patchbay --help` lists commands from this file instead of importing
// every command (and with them the runtime and the sandbox), so it starts in a few tens of
// milliseconds. Run by `npm run build`; test/cli-start.test.ts checks it matches the commands.
import { writeFileSync } from 'node:fs'
import type { CommandDef, CommandMeta, Resolvable } from 'citty'
import { patchbay } from '../dist/main.js'

const resolve = async <T>(value: Resolvable<T>): Promise<T> =>
  typeof value === 'function' ? await (value as () => T | Promise<T>)() : await value

const subCommands = (await resolve(patchbay.subCommands!)) as Record<string, Resolvable<CommandDef>>
const meta: Record<string, CommandMeta> = {}
for (const [name, sub] of Object.entries(subCommands))
  meta[name] = await resolve((await resolve(sub)).meta ?? {})
writeFileSync(new URL('../dist/commands.json', import.meta.url), `${JSON.stringify(meta, null, 2)}\n`)
console.log(`cli: wrote the metadata of ${Object.keys(meta).length} commands to dist/commands.json`)
