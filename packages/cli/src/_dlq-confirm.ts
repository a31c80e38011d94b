import type { Readable, Writable } from 'node:stream'

/** Asks a yes/no question; resolves true only for an explicit yes. */
export type Confirm = (question: string) => Promise<boolean>

/**
 * A question on the terminal, with @clack/prompts (asked on stderr, so stdout stays the
 * command's result; "No" is preselected, and Ctrl-C or Escape answers no), or undefined when
 * stdin is not a terminal: nobody can answer, and the caller must refuse.
 *
 * @example
 * const confirm = terminalConfirm()
 * if (confirm && (await confirm('Delete 3 dead letters for good?'))) purge()
 */
export function terminalConfirm(
  stdin: Readable & { isTTY?: boolean } = process.stdin,
  output: Writable = process.stderr,
): Confirm | undefined {
  if (!stdin.isTTY) return undefined
  return async (message) => {
    // Loaded when a question is asked: `dlq list` and `--yes` never pay for it.
    const { confirm } = await import('@clack/prompts')
    return (await confirm({ message, initialValue: false, input: stdin, output })) === true
  }
}
