import { createInterface } from 'node:readline/promises'

/** Asks a yes/no question; resolves true only for an explicit yes. */
export type Confirm = (question: string) => Promise<boolean>

/**
 * A question on the terminal (asked on stderr, so stdout stays the command's result), or
 * undefined when stdin is not a terminal: nobody can answer, and the caller must refuse.
 *
 * @example
 * const confirm = terminalConfirm()
 * if (confirm && (await confirm('Delete 3 dead letters for good?'))) purge()
 */
export function terminalConfirm(stdin = process.stdin): Confirm | undefined {
  if (!stdin.isTTY) return undefined
  return async (question) => {
    const rl = createInterface({ input: stdin, output: process.stderr })
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim())
    } finally {
      rl.close()
    }
  }
}
