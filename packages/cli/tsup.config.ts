import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/main.ts'],
  format: ['esm'],
  target: 'node24',
  dts: true,
  sourcemap: true,
  clean: true,
  // vitest (for `patchbay test`) is an optional peer, loaded only by that command.
  external: ['vitest', 'vitest/node'],
})
