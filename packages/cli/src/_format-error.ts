import { describeLocation, isPatchbayError } from '@patchbay/core'
import { color } from './_output.ts'

/** A known error prints its message and what to do; only an unexpected one prints a stack. */
export function formatError(error: unknown): string {
  if (isPatchbayError(error)) {
    const where = describeLocation({ ...error.location, file: undefined })
    return [
      `${color.red('error')} ${error.code}: ${error.message}`,
      where ? color.dim(`  at ${where}`) : '',
      `  ${color.yellow('hint')}: ${error.hint}`,
    ]
      .filter(Boolean)
      .join('\n')
  }
  return `${color.red('error')} ${error instanceof Error ? error.message : String(error)}`
}
