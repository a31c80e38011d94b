import { defineConfig } from 'tsup'
import { shared } from '../../tsup.shared.ts'

export default defineConfig({
  ...shared,
  entry: { index: 'src/index.ts' },
  // `node:sqlite` exists only with its prefix: tsup would strip it to `sqlite`.
  removeNodeProtocol: false,
})
