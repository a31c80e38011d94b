import { defineConfig } from 'tsup'
import { shared } from '../../tsup.shared.ts'

export default defineConfig({
  ...shared,
  entry: ['src/index.ts', 'src/main.ts'],
  // vitest (for `patchbay test`) is an optional peer, loaded only by that command.
  external: ['vitest', 'vitest/node'],
})
