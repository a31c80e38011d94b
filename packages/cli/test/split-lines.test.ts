import { describe, expect, it } from 'vitest'
import { splitLines } from '../src/_split-lines.ts'

async function split(chunks: string[]) {
  const lines: string[] = []
  for await (const line of splitLines(
    (async function* () {
      yield* chunks
    })(),
  ))
    lines.push(line)
  return lines
}

describe('splitLines', () => {
  it('breaks at \\n only, drops the \\r of \\r\\n, and keeps a lone \\r inside its line', async () => {
    expect(await split(['a\r\nb\rc\n\nd'])).toEqual(['a', 'b\rc', '', 'd'])
  })

  it('joins lines cut across chunks, a \\r\\n cut between its two characters included', async () => {
    expect(await split(['fir', 'st\r', '\nsec', 'ond\n', 'third\r'])).toEqual(['first', 'second', 'third'])
  })

  it('makes no line of a trailing newline or of empty input', async () => {
    expect(await split(['one\n'])).toEqual(['one'])
    expect(await split([])).toEqual([])
  })
})
