import { defineConfig } from 'vitest/config'

/**
 * Settings every workspace's vitest config starts from.
 *
 * - `@patchbay/source` makes workspace packages resolve to their TypeScript sources,
 *   so tests never run against a stale `dist/`.
 * - isolated-vm needs Node started with `--no-node-snapshot`, so tests run in forked
 *   processes that carry the flag.
 * - maxWorkers: vitest's default is one fewer than the cores, which on the 2-core machines CI
 *   runs on is one file at a time. Most of the suite's time is spent waiting on what a test
 *   started (child processes, npm installs, servers, retry timers), not computing, so three
 *   files at a time cut the wall time there. Every project must give the same number (vitest
 *   refuses projects with different maxWorkers in one group), hence here. The tests hold no
 *   timings; the few that bound a stall (the sandbox's host heartbeat) allow for a loaded
 *   machine.
 */
export const shared = defineConfig({
  resolve: { conditions: ['@patchbay/source'] },
  ssr: { resolve: { conditions: ['@patchbay/source'] } },
  test: {
    pool: 'forks',
    maxWorkers: 3,
    execArgv: ['--no-node-snapshot'],
    // A safety net for a hung test, not a speed check: a test that starts processes takes
    // several times longer while the machine is busy (CI runs three files at a time).
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
