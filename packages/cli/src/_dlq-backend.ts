import type { DeadLetter, DeadLetterSelector } from '@patchbay/server'

/**
 * Where the `dlq` commands find the dead letters: a stopped gateway's store (its data
 * directory) or a running gateway's admin API. The commands are written once against this.
 */
export interface DlqBackend {
  /**
   * What to call the place in messages, after "in" or "from": the data directory
   * (`./patchbay-data`) or `the gateway at http://127.0.0.1:8080`.
   */
  readonly where: string
  /** True for a running gateway: it delivers replayed dead letters right away. */
  readonly live: boolean
  /** Oldest first, at most `limit`, after the id `afterId`. */
  list(options: { destinationId?: string; limit: number; afterId: number }): Promise<DeadLetter[]>
  /** The dead letter, or undefined when there is none with this id. */
  get(id: number): Promise<DeadLetter | undefined>
  /** Dead letters per destination; destinations without any are absent. */
  counts(): Promise<Record<string, number>>
  /** Queues the selected dead letters again (due `now`; a gateway uses its own clock). Returns how many. */
  replay(selector: DeadLetterSelector, now: number): Promise<number>
  /** Deletes the selected dead letters for good. Returns how many. */
  purge(selector: DeadLetterSelector): Promise<number>
  close(): Promise<void>
}

/**
 * Why the commands cannot use the data directory or the gateway, said for an operator: the
 * message is printed as is, exit code 2. It never holds the admin token.
 */
export class DlqRefused extends Error {
  override name = 'DlqRefused'
}
