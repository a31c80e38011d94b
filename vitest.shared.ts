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

/**
 * For projects of many small files that hold no state across files (pure functions, their
 * own servers and databases closed in their hooks): `isolate: false` runs a project's files
 * one after another in a reused worker instead of forking and importing afresh for each.
 * Starting a file cost 1.5–2.5 s on the CI machine against tens of milliseconds of tests
 * (core: 21.7 → 7.6 s on a quiet machine; the webhook destination 10.3 → 4.2 s). The
 * projects that start processes (cli, server, sandbox) gained nothing and keep isolation; the
 * sandbox's memory test failed without it. A test that leaves state behind (a global, an
 * env variable, a module-level cache) must restore it in its own hooks, and a helper module
 * several files import shares its state among them (why @patchbay/testing stays isolated).
 */
export const reusedWorkers = defineConfig({ test: { isolate: false } })
