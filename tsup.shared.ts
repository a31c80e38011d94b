import type { Options } from 'tsup'

/**
 * What every package's build shares: ESM for Node 24, declarations, source maps. Each
 * package's tsup.config.ts spreads this and names its entries (and anything special).
 */
export const shared = {
  format: ['esm'],
  target: 'node24',
  // Declarations from this package's own sources: the @patchbay/* packages it imports resolve
  // to their built dist/index.d.ts (the root `npm run build` builds the workspaces in
  // dependency order), not to their sources through tsconfig's `@patchbay/source` condition,
  // which made every package's declaration build type-check its whole dependency tree again
  // (the server's: 235 source files instead of 95). The emitted declarations are the same.
  dts: { compilerOptions: { customConditions: [] } },
  sourcemap: true,
  clean: true,
} satisfies Options
