import { defineConfig } from 'tsup'
import { shared } from '../../tsup.shared.ts'

export default defineConfig({
  ...shared,
  entry: {
    index: 'src/index.ts',
    _worker: 'src/_worker/main.ts',
    'log/index': 'src/log/index.ts',
    'hash/index': 'src/hash/index.ts',
  },
  // Each entry stands alone: the sandbox loads log/ and hash/ into isolates, where imports are not allowed.
  splitting: false,
  // Runtime dependencies (to be listed in package.json dependencies; already installed through @patchbay/core).
  external: ['typebox', 'undici'],
})
