/**
 * Maps a line and column of transpiled TypeScript back to the user's source, with
 * @jridgewell/trace-mapping (the decoder Babel, Vite and Jest use). The map is parsed on the
 * first error only, so a transform that never throws never pays for it.
 */
import { LEAST_UPPER_BOUND, originalPositionFor, TraceMap } from '@jridgewell/trace-mapping'

export interface SourceMapper {
  /** Maps a 1-based generated line and column to the 1-based original ones, when known. */
  original(line: number, column: number): { line: number; column: number } | undefined
}

/** A lazy mapper over a source map JSON string (as esbuild produces it). */
export function createSourceMapper(mapJson: string): SourceMapper {
  let map: TraceMap | undefined
  return {
    original(line, column) {
      map ??= new TraceMap(mapJson)
      // The segment at or before the column; a column before the line's first segment (an
      // error at the indentation) takes that first segment.
      let at = originalPositionFor(map, { line, column: column - 1 })
      if (at.line === null)
        at = originalPositionFor(map, { line, column: column - 1, bias: LEAST_UPPER_BOUND })
      return at.line === null ? undefined : { line: at.line, column: at.column + 1 }
    },
  }
}
