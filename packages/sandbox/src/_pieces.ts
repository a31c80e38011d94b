import { availableParallelism, loadavg } from 'node:os'

/** Most events per call into the isolate for transformEvent. */
const CHUNK = 250
/**
 * Fewest events per piece when a transformEvent batch is spread over the workers: below this,
 * a crossing's fixed cost (two IPC messages, each waking a process, and one call into the
 * isolate) outweighs running in parallel. Measured with one caller and both sandboxes in one
 * process, alternating rounds: a batch of 100 in two pieces of 50 ran at 72,000-87,000
 * events/s against 98,000-117,000 whole, on a quiet machine as on a busy one; a batch of 400
 * in two pieces of 200 beat 250 + 150 (184,000 against 158,000). So a batch is cut only
 * into pieces of 100 events or more.
 */
const MIN_PIECE = 100
/**
 * transformLine pieces are cut by size rather than count: a log line is a short string, so a
 * piece of 250 of them (about 40 KB) paid the fixed cost of a crossing (two IPC messages, a
 * call into the isolate) four times per 1000 lines for little work. A piece holds lines up to
 * this many characters (at least one line), and at most LINE_CHUNK lines.
 */
const LINE_PIECE_CHARS = 256 * 1024
const LINE_CHUNK = 4000

/**
 * Whether the machine has a core to spare (1-minute load average at least one below the
 * cores), read at most once a second. Spreading one batch over the workers only pays when
 * the pieces can run at the same time; on a machine that is already busy the extra crossing
 * (two more IPC messages, and waiting for two processes to be scheduled instead of one)
 * costs more than it wins. Measured at load 21 on 2 cores, one caller, batches of 100:
 * spread 0.26 of the in-process baseline, one piece 0.32 to 0.37.
 */
function spareCore(): boolean {
  const now = performance.now()
  if (now - spare.at >= 1000) {
    spare.at = now
    spare.value = loadavg()[0]! <= availableParallelism() - 1
  }
  return spare.value
}
const spare = { at: Number.NEGATIVE_INFINITY, value: true }

export type Spread = 'auto' | 'always' | 'never'

/** Most inputs per piece: with a core to spare, the batch is spread evenly over the workers. */
function countCap(inputs: number, workers: number, spread: Spread, chunk: number): number {
  if (spread === 'never' || (spread === 'auto' && !spareCore())) return Math.min(chunk, inputs)
  return Math.min(chunk, Math.max(MIN_PIECE, Math.ceil(inputs / Math.max(1, workers))))
}

/**
 * Where a batch is cut into pieces that cross to the workers separately: the end index of
 * each piece. transformBatch needs the whole batch in one call. transformEvent crosses in
 * pieces of up to CHUNK events; with a core to spare, spread evenly over the workers (so one
 * caller's batch of 200 keeps both cores busy: the host encodes the second piece and decodes
 * the first while the workers run), in pieces of MIN_PIECE to CHUNK. transformLine is spread
 * over the workers whatever the load (unless spread is 'never'), in pieces of up to
 * LINE_PIECE_CHARS characters and LINE_CHUNK lines.
 */
export function pieceEnds(
  kind: 'transformEvent' | 'transformBatch' | 'transformLine',
  inputs: readonly unknown[],
  workers: number,
  spread: Spread,
): number[] {
  const n = inputs.length
  if (kind === 'transformBatch' || n === 0) return [n]
  if (kind === 'transformEvent') {
    const size = countCap(n, workers, spread, CHUNK)
    const ends: number[] = []
    for (let end = size; ; end += size) {
      ends.push(Math.min(end, n))
      if (end >= n) return ends
    }
  }
  // Lines are spread over the workers even on a busy machine (unless spread is 'never'): with
  // size-cut pieces a batch of 1000 short lines would otherwise be one piece on one worker,
  // and the second worker's share of the machine would go unused.
  const cap = countCap(n, workers, spread === 'never' ? 'never' : 'always', LINE_CHUNK)
  const ends: number[] = []
  let count = 0
  let chars = 0
  for (let i = 0; i < n; i++) {
    const length = (inputs[i] as string).length + 1
    if (count > 0 && (count >= cap || chars + length > LINE_PIECE_CHARS)) {
      ends.push(i)
      count = 0
      chars = 0
    }
    count++
    chars += length
  }
  ends.push(n)
  return ends
}
