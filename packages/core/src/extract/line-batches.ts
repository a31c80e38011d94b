/** The key under which a line source offers its lines a chunk at a time (see {@link lineBatchesOf}). */
const LINE_BATCHES = Symbol.for('patchbay.extract.lineBatches')

type WithBatches = { [LINE_BATCHES]?: () => AsyncIterable<readonly string[]> }

/**
 * The lines of `batches` one at a time, as an async generator that also hands the batches
 * themselves to {@link lineBatchesOf}: a reader that handles a whole chunk of lines per
 * `await` saves two promises per line. Use one or the other, not both.
 */
export function flattenLineBatches(
  batches: AsyncGenerator<string[], void, undefined>,
): AsyncGenerator<string, void, undefined> {
  const lines = (async function* () {
    for await (const batch of batches) for (const line of batch) yield line
  })()
  return Object.assign(lines, { [LINE_BATCHES]: () => batches })
}

/**
 * The line batches behind `lines` when it came from {@link runExtractor} or
 * {@link splitLines} (each batch is the lines of one chunk of output, in order), or
 * undefined for any other iterable, which is then read line by line. Reading the batches
 * replaces reading `lines`: errors, timeouts, backpressure and early exit are the same.
 *
 * @example
 * const batches = lineBatchesOf(lines)
 * if (batches) for await (const batch of batches) for (const line of batch) handle(line)
 * else for await (const line of lines) handle(line)
 */
export function lineBatchesOf(lines: AsyncIterable<string>): AsyncIterable<readonly string[]> | undefined {
  const batches = (lines as WithBatches)[LINE_BATCHES]
  return typeof batches === 'function' ? batches.call(lines) : undefined
}
