import type { SandboxLog } from './types.ts'

/** What an entry costs against the character budget besides its text (as in the runtime). */
const ENTRY_COST = 64
/** The warning the runtime ends a piece's logs with when it dropped some (_runtime.ts). */
const RUNTIME_DROPPED = /^(\d+) more log line\(s\) dropped: the sandbox keeps /

/**
 * The logs of one batch, held to the batch's limits (`maxLogEntries`, `logLimitBytes`) as
 * they are added: a batch that crossed in several pieces had each piece's logs limited on
 * its own, and the unhandled-rejection warnings are the host's. Past the limits, lines are
 * counted and dropped, and one warning at the end says how many.
 */
export function batchLogs(maxEntries: number, limitChars: number) {
  const kept: SandboxLog[] = []
  let chars = 0
  let dropped = 0
  const add = (log: SandboxLog): void => {
    const cost = log.message.length + ENTRY_COST + (log.messageId?.length ?? 0)
    if (kept.length >= maxEntries || chars + cost > limitChars) {
      dropped++
      return
    }
    kept.push(log)
    chars += cost
  }
  return {
    add,
    /** A piece's logs: the runtime's own "N more dropped" warning, its last entry, is counted in. */
    addPiece(logs: readonly SandboxLog[]): void {
      const last = logs.at(-1)
      const more = last?.level === 'warn' ? RUNTIME_DROPPED.exec(last.message) : null
      const end = more ? logs.length - 1 : logs.length
      for (let i = 0; i < end; i++) add(logs[i]!)
      if (more) dropped += Number(more[1])
    },
    logs(): SandboxLog[] {
      if (dropped === 0) return kept
      return [
        ...kept,
        {
          level: 'warn',
          message: `${dropped} more log line(s) dropped: the sandbox keeps ${limitChars} log characters (${ENTRY_COST} and the messageId per entry included) and ${maxEntries} entries per batch`,
        },
      ]
    },
  }
}
