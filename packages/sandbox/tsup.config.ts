import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', 'log/index': 'src/log/index.ts', 'hash/index': 'src/hash/index.ts' },
  format: ['esm'],
  target: 'node24',
  dts: true,
  sourcemap: true,
  clean: true,
})
