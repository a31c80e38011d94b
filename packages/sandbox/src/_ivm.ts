import './error-codes.ts'
import { createRequire } from 'node:module'
import { PatchbayError } from '@patchbay/core'
import type IVM from 'isolated-vm'

export type Ivm = typeof IVM

/** True when this Node process was started with `--no-node-snapshot`, which isolated-vm needs. */
export function hasNoNodeSnapshotFlag(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): boolean {
  if (execArgv.includes('--no-node-snapshot')) return true
  return (nodeOptions ?? '').split(/\s+/).includes('--no-node-snapshot')
}

/**
 * Throws PB_SANDBOX_NODE_FLAG when Node runs without `--no-node-snapshot`. Without the flag,
 * isolated-vm can crash the whole process (SIGSEGV) when an isolate starts, which no
 * try/catch can report, so the sandbox refuses to start instead.
 */
export function assertNodeFlag(): void {
  if (hasNoNodeSnapshotFlag()) return
  throw new PatchbayError(
    'PB_SANDBOX_NODE_FLAG',
    'the sandbox needs Node started with --no-node-snapshot (isolated-vm can crash the process without it)',
    {
      hint: "Start Node as `node --no-node-snapshot app.js`, or set NODE_OPTIONS=--no-node-snapshot. The `patchbay` command adds the flag itself; under vitest use pool: 'forks' with execArgv: ['--no-node-snapshot'].",
    },
  )
}

let loaded: Ivm | undefined

/** Loads isolated-vm on first use, after the flag check, so importing the sandbox is free. */
export function loadIvm(): Ivm {
  assertNodeFlag()
  loaded ??= createRequire(import.meta.url)('isolated-vm') as Ivm
  return loaded
}
