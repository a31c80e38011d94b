/**
 * Just enough of source map v3 to map a line and column of transpiled TypeScript back to the
 * user's source: decode `mappings` (base64 VLQ) and look a position up. Decoded on the first
 * error only, so a transform that never throws never pays for it.
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]))

/** One mapping: generated column → original line and column (all 0-based). */
type Segment = [generatedColumn: number, originalLine: number, originalColumn: number]

function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = []
  let originalLine = 0
  let originalColumn = 0
  for (const text of mappings.split(';')) {
    const segments: Segment[] = []
    let generatedColumn = 0
    for (const field of text.split(',')) {
      if (field === '') continue
      const values: number[] = []
      let value = 0
      let shift = 0
      for (const c of field) {
        const digit = DIGIT.get(c)
        if (digit === undefined) throw new Error(`invalid source map character "${c}"`)
        value += (digit & 31) << shift
        if (digit & 32) shift += 5
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1)
          value = 0
          shift = 0
        }
      }
      generatedColumn += values[0] ?? 0
      if (values.length >= 4) {
        originalLine += values[2]!
        originalColumn += values[3]!
        segments.push([generatedColumn, originalLine, originalColumn])
      }
    }
    lines.push(segments)
  }
  return lines
}

export interface SourceMapper {
  /** Maps a 1-based generated line and column to the 1-based original ones, when known. */
  original(line: number, column: number): { line: number; column: number } | undefined
}

/** A lazy mapper over a source map JSON string (as esbuild produces it). */
export function createSourceMapper(mapJson: string): SourceMapper {
  let lines: Segment[][] | undefined
  return {
    original(line, column) {
      lines ??= decodeMappings((JSON.parse(mapJson) as { mappings: string }).mappings)
      const segments = lines[line - 1]
      if (!segments || segments.length === 0) return undefined
      let best: Segment | undefined
      for (const segment of segments) {
        if (segment[0] <= column - 1) best = segment
        else break
      }
      best ??= segments[0]!
      return { line: best[1] + 1, column: best[2] + 1 }
    },
  }
}
