import { defineConfig } from 'vitest/config'

/**
 * Settings every workspace's vitest config starts from.
 *
 * - `@patchbay/source` makes workspace packages resolve to their TypeScript sources,
 *   so tests never run against a stale `dist/`.
 * - isolated-vm needs Node started with `--no-node-snapshot`, so tests run in forked
 *   processes that carry the flag.
 */
export const shared = defineConfig({
  resolve: { conditions: ['@patchbay/source'] },
  ssr: { resolve: { conditions: ['@patchbay/source'] } },
  test: {
    pool: 'forks',
    execArgv: ['--no-node-snapshot'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
