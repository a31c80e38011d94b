import { describe, expect, it } from 'vitest'
import { pieceEnds } from '../src/_pieces.ts'

const lines = (n: number, length = 150) => Array.from({ length: n }, () => 'x'.repeat(length))
const events = (n: number) => Array.from({ length: n }, (_, i) => ({ messageId: `m-${i}` }))

describe('cutting a batch into pieces', () => {
  it('keeps a transformBatch batch whole', () => {
    expect(pieceEnds('transformBatch', events(1000), 2, 'always')).toEqual([1000])
  })

  it('cuts transformEvent batches into pieces of at most 250 events, spread evenly when asked', () => {
    expect(pieceEnds('transformEvent', events(600), 2, 'never')).toEqual([250, 500, 600])
    expect(pieceEnds('transformEvent', events(100), 2, 'never')).toEqual([100])
    // Never in pieces under 100: two pieces of 50 measured slower than one of 100.
    expect(pieceEnds('transformEvent', events(100), 2, 'always')).toEqual([100])
    expect(pieceEnds('transformEvent', events(199), 2, 'always')).toEqual([100, 199])
    expect(pieceEnds('transformEvent', events(300), 2, 'always')).toEqual([150, 300])
    expect(pieceEnds('transformEvent', events(10), 2, 'always')).toEqual([10])
  })

  it('sends 1000 short log lines in one piece per worker, not four pieces of 250', () => {
    expect(pieceEnds('transformLine', lines(1000), 2, 'auto')).toEqual([500, 1000])
    expect(pieceEnds('transformLine', lines(1000), 2, 'never')).toEqual([1000])
  })

  it('cuts transformLine batches by size: 256 KiB of lines a piece, at least one line each', () => {
    // 1000 lines of 1023 characters (1024 with the newline): 256 a piece
    expect(pieceEnds('transformLine', lines(1000, 1023), 2, 'never')).toEqual([256, 512, 768, 1000])
    // a line over the size on its own
    const big = ['a', 'x'.repeat(300 * 1024), 'b']
    expect(pieceEnds('transformLine', big, 2, 'never')).toEqual([1, 2, 3])
    // and never more than 4000 lines a piece
    expect(pieceEnds('transformLine', lines(9000, 10), 2, 'never')).toEqual([4000, 8000, 9000])
  })

  it('spreads transformLine batches over the workers unless told never to', () => {
    expect(pieceEnds('transformLine', lines(1000), 2, 'always')).toEqual([500, 1000])
    expect(pieceEnds('transformLine', lines(20), 2, 'auto')).toEqual([20])
  })
})
