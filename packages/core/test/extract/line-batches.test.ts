import { describe, expect, it } from 'vitest'
import { lineBatchesOf, type PatchbayError, splitLineBatches, splitLines } from '../../src/index.ts'

async function* chunks(...parts: string[]) {
  yield* parts
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<{ items: T[]; error?: unknown }> {
  const items: T[] = []
  try {
    for await (const item of iterable) items.push(item)
  } catch (error) {
    return { items, error }
  }
  return { items }
}

describe('line batches', () => {
  it('splitLineBatches yields the complete lines of each chunk together, a last line without \\n too', async () => {
    const { items } = await collect(splitLineBatches(chunks('a\nb\r\nc', 'd\n', 'no newline', ' yet\ne')))
    expect(items).toEqual([['a', 'b'], ['cd'], ['no newline yet'], ['e']])
  })

  it('a line too long ends the read after the lines before it in the same chunk, with its number', async () => {
    const { items, error } = await collect(
      splitLineBatches(chunks('ok\nfine\ntoo long here\nnever\n'), { maxLineLength: 5 }),
    )
    expect(items).toEqual([['ok', 'fine']])
    expect((error as PatchbayError).code).toBe('PB_EXTRACT_LINE_TOO_LONG')
    expect((error as PatchbayError).message).toContain('input:3:')
  })

  it('with cut, a line too long is cut to the limit with a note and the read goes on, over chunks too', async () => {
    const { items, error } = await collect(
      splitLineBatches(chunks('ok\ntoo long here\nfine\nsplit ', 'across chunks', ' and more\nlast\n'), {
        maxLineLength: 5,
        cut: true,
      }),
    )
    expect(error).toBeUndefined()
    const note = ' [cut: the line is longer than 5 characters]'
    expect(items.flat()).toEqual(['ok', `too l${note}`, 'fine', `split${note}`, 'last'])
  })

  it('lineBatchesOf hands over the batches behind splitLines, and nothing for another iterable', async () => {
    const lines = splitLines(chunks('a\nb\n', 'c\n'))
    const batches = lineBatchesOf(lines)
    expect(batches).toBeDefined()
    expect((await collect(batches!)).items).toEqual([['a', 'b'], ['c']])
    expect(lineBatchesOf(chunks('a\n'))).toBeUndefined()
    // Read line by line, the same lines.
    expect((await collect(splitLines(chunks('a\nb\n', 'c\n')))).items).toEqual(['a', 'b', 'c'])
  })
})
