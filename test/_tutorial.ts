import { readFileSync } from 'node:fs'
import { root } from './_build.ts'

const CREATE = 'npm create @patchbay/connector@latest '
const BIN = 'node path/to/patchbay/create-connector/bin/create-connector.js '

/**
 * The shell commands of docs/first-connector.md, in order, up to the section on other
 * kinds: the end-to-end test runs exactly these.
 */
export function tutorialCommands(): string[] {
  const doc = readFileSync(`${root}docs/first-connector.md`, 'utf8')
  const steps = doc.slice(0, doc.indexOf('## Sources and transformations'))
  return [...steps.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) =>
    block[1]!.split('\n').filter((line) => line.trim() && !line.trim().startsWith('#')),
  )
}

/** The command the tutorial gives for scaffolding once the packages are published. */
export function releasedCommand(): string {
  const doc = readFileSync(`${root}docs/first-connector.md`, 'utf8')
  const line = doc.split('\n').find((l) => l.startsWith(CREATE))
  if (!line) throw new Error('docs/first-connector.md has no `npm create` command for after the release')
  return line
}

/** A tutorial command with the documented checkout path replaced by a real one. */
export const atCheckout = (command: string, checkout: string) =>
  command.replaceAll('path/to/patchbay', checkout)

export const SCAFFOLD_FROM_CHECKOUT = BIN

/**
 * `npm create @patchbay/connector@latest NAME -- FLAGS` as run from a checkout before
 * release: the bin with the same name and flags, plus `--local <checkout>`.
 */
export function fromCheckout(command: string, checkout = 'path/to/patchbay'): string {
  if (!command.startsWith(CREATE)) throw new Error(`not a create command: ${command}`)
  const args = command.slice(CREATE.length).replace(' -- ', ' ')
  return `node ${checkout}/create-connector/bin/create-connector.js ${args} --local ${checkout}`
}
