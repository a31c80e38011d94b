import type { Options } from 'tsup'

/**
 * What every package's build shares: ESM for Node 24, declarations, source maps. Each
 * package's tsup.config.ts spreads this and names its entries (and anything special).
 */
export const shared = {
  format: ['esm'],
  target: 'node24',
  dts: true,
  sourcemap: true,
  clean: true,
} satisfies Options
