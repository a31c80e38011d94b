import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', 'log/index': 'src/log/index.ts', 'hash/index': 'src/hash/index.ts' },
  format: ['esm'],
  target: 'node24',
  dts: true,
  sourcemap: true,
  clean: true,
  // Each entry stands alone: the sandbox loads log/ and hash/ into isolates, where imports are not allowed.
  splitting: false,
  // Runtime dependencies (to be listed in package.json dependencies; already installed through @patchbay/core).
  external: ['typebox', 'undici'],
})
