// @long-pole 328: seconds in a CI run; the longest files start first (see vitest.config.ts).
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { root } from './_build.ts'
import { npmDir, oldNodeDir, pathWithout24, userEnv } from './_old-node.ts'
import { until } from './_until.ts'

const readme = readFileSync(`${root}README.md`, 'utf8')
const MAIN_JOB = 'npx patchbay serve'
const FIRST_EVENT =
  'curl -u pb_dev_write_key: -H \'content-type: application/json\' -d \'{"userId":"ada","event":"Signed Up"}\' http://127.0.0.1:8080/v1/track'
const PIPELINE_RUN =
  'npx patchbay run docs/examples/pipeline.yaml --input docs/examples/events.jsonl --receiver'
const WAREHOUSE_SERVE = 'npx patchbay serve --warehouse ./events.duckdb'
const WAREHOUSE_COUNTS = 'npx patchbay warehouse ./events.duckdb'
const LOG_SHOWCASE =
  'npx patchbay run docs/examples/nginx/pipeline.yaml --source logs --input docs/examples/nginx/access.log --receiver'

/** Runs a README command with the real bin (built), as a user would after `npm run build`. */
function runReadmeCommand(command: string) {
  const [, , ...args] = command.split(' ')
  return spawnSync(process.execPath, [`${root}packages/cli/bin/patchbay.js`, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', PATCHBAY_RECEIVER_URL: '' },
    timeout: 60_000,
  })
}

describe("the README's main job", () => {
  it('is the command the README shows, with the curl that sends a first event', () => {
    expect(readme).toContain(`npm ci && npm run build && ${MAIN_JOB}`)
    expect(readme).toContain(FIRST_EVENT)
    expect(readme).toContain('npm test')
  })

  it('starts the default gateway with the real bin, and the README curl gets an event to the receiver', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pb-readme-'))
    // The README's command; only the port (8080 may be taken here) and data dir come from the env.
    const child = spawn(process.execPath, [`${root}packages/cli/bin/patchbay.js`, 'serve'], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', PATCHBAY_PORT: '0', PATCHBAY_DATA_DIR: dataDir },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c
    })
    try {
      await until(
        () => /listening on (http:\/\/\S+)/.test(stdout),
        () => stdout + stderr,
      )
      const url = /listening on (http:\/\/\S+)/.exec(stdout)![1]!
      expect(stdout).toContain('pipeline  built-in default')
      expect(stdout).toContain(`data dir  ${dataDir}`)
      expect(stdout).toMatch(/plugin {4}destinations\.receiver {2}@patchbay\/destination-webhook@\d/)
      expect(stdout).toContain(FIRST_EVENT.replace('http://127.0.0.1:8080', url))
      const curl = spawnSync('bash', ['-c', FIRST_EVENT.replace('http://127.0.0.1:8080', url)], {
        encoding: 'utf8',
      })
      expect(curl.stdout).toBe('{"success":true}')
      await until(
        () => stderr.includes('receiver ← POST /events  track "Signed Up"'),
        () => stderr,
      )
      child.kill('SIGTERM')
      const code = await new Promise((resolve) => child.once('exit', resolve))
      expect(code).toBe(0)
      expect(stderr).toContain('SIGTERM: stopping')
    } finally {
      child.kill('SIGKILL')
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe('the README pipeline runs', () => {
  it('runs the example pipeline end to end with the real bin, against the receiver it starts', () => {
    expect(readme).toContain(PIPELINE_RUN)
    const r = runReadmeCommand(PIPELINE_RUN)
    expect(r.stderr).toMatch(/receiver listening on http:\/\/127\.0\.0\.1:\d+/)
    expect(r.stdout).toContain('24 events in')
    expect(r.stdout).toContain(
      'webhook (@patchbay/destination-webhook@0.0.0): delivered 23, dropped 1, failed 0',
    )
    expect(r.stdout).toContain('1 × integrations at destinations.webhook')
    expect(r.stdout).toContain(
      'orders (@patchbay/destination-webhook@0.0.0): delivered 2, dropped 22, failed 0',
    )
    expect(r.stdout).toContain('receiver got 24 requests')
    expect(r.status).toBe(0)
  })

  it('runs the log showcase: 500 nginx lines in, checkouts and page views out, the noise dropped', () => {
    expect(readme).toContain(LOG_SHOWCASE)
    const r = runReadmeCommand(LOG_SHOWCASE)
    expect(r.stdout).toContain('500 events in')
    expect(r.stdout).toContain(
      'analytics (@patchbay/destination-webhook@0.0.0): delivered 32, dropped 468, failed 0',
    )
    expect(r.stdout).toContain('468 × returned null at transformations.parse')
    expect(r.stderr).toMatch(/receiver ← POST \/events {2}track "Order Completed"/)
    expect(r.stderr).toMatch(/receiver ← POST \/events {2}page "\/pricing"/)
    expect(r.status).toBe(0)
  })
})

/** The shell commands of the README's "Try it" section, in order, as the README shows them. */
function readmeCommands(): { first: string; curl: string; second: string } {
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((b) => b[1]!.trim())
  const first = blocks.find((b) => b.startsWith('npm ci'))
  const second = blocks.find((b) => b.startsWith('npm test'))
  if (!first || !second) throw new Error('README.md has no `npm ci …` or `npm test` block')
  return { first, curl: FIRST_EVENT, second }
}

/** Runs a shell command without blocking this worker; resolves with its exit status and output. */
function shell(command: string, cwd: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('bash', ['-c', command], { cwd, env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c
    })
    child.once('close', (status) => resolve({ status, stdout, stderr }))
  })
}

/** A fresh clone: the checkout's files as git would give them (tracked or new, not ignored). */
function freshClone(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pb-fresh-clone-'))
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: root,
    encoding: 'utf8',
  })
  for (const file of files.split('\0').filter(Boolean)) {
    cpSync(join(root, file), join(dir, file), { recursive: true, verbatimSymlinks: true })
  }
  return dir
}

// A newcomer's first minutes, on each Node a machine may have: the README's two commands,
// copied from the README, on a fresh clone, with that Node first on PATH, no Node 24 anywhere
// else, and an empty npm cache (Node 24 must come through `npm ci` from the registry). The
// second command runs with a filter to one end-to-end test (the gateway on the real bin, which
// needs Node 24's node:sqlite in vitest's forks): the whole suite under a Node-20 shell is what
// .ci/run runs on every CI machine.
describe.concurrent('the README on a fresh clone', () => {
  const nodes = {
    20: () => oldNodeDir(20),
    24: () => dirname(realpathSync(process.execPath)),
  }
  for (const major of [20, 24] as const) {
    it(`starts the gateway and passes the tests with Node ${major} first on PATH`, {
      timeout: 1_200_000,
    }, async ({ expect }) => {
      const { first, curl, second } = readmeCommands()
      expect(first).toBe(`npm ci && npm run build && ${MAIN_JOB}`)
      const clone = freshClone()
      const cache = mkdtempSync(join(tmpdir(), 'pb-fresh-npm-cache-'))
      const env = userEnv(pathWithout24([nodes[major](), npmDir()]), {
        npm_config_cache: cache,
        // Only the port (8080 may be taken here) and data dir differ from a user's run.
        PATCHBAY_PORT: '0',
        PATCHBAY_DATA_DIR: join(clone, 'patchbay-data'),
        PATCHBAY_RECEIVER_URL: '',
      })
      expect(spawnSync('node', ['-p', 'process.versions.node'], { env, encoding: 'utf8' }).stdout).toMatch(
        new RegExp(`^${major}\\.`),
      )
      // detached: its own process group, which Ctrl-C would reach as a whole.
      const child = spawn('bash', ['-c', first], { cwd: clone, env, detached: true })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (c: Buffer) => {
        stdout += c
      })
      child.stderr.on('data', (c: Buffer) => {
        stderr += c
      })
      // 'close': every process of the command has let go of its output, not just bash.
      const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
      try {
        await until(
          () => /listening on (http:\/\/\S+)/.test(stdout) || child.exitCode !== null,
          () => stdout.slice(-4000) + stderr.slice(-4000),
          900_000,
        )
        expect(stdout + stderr).not.toMatch(/^\s+at /m) // no stack trace anywhere
        const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1]
        expect(url, stdout.slice(-4000) + stderr.slice(-4000)).toBeDefined()
        if (major < 24) {
          expect(stdout).toMatch(
            new RegExp(
              `patchbay: npm ran on Node\\.js ${major}\\.\\S+; npm scripts and npx in this checkout run Node\\.js 24\\.`,
            ),
          )
        }
        const sent = await shell(curl.replace('http://127.0.0.1:8080', url!), clone, env)
        expect(sent.stdout).toBe('{"success":true}')
        await until(
          () => stderr.includes('receiver ← POST /events  track "Signed Up"'),
          () => stderr,
        )
        process.kill(-child.pid!, 'SIGINT') // Ctrl-C
        await exited
        expect(stderr).toContain('SIGINT: stopping')

        // Asynchronously: the other Node's run goes on in this same worker meanwhile.
        const tests = await shell(`${second} -- test/readme.test.ts -t "the README's main job"`, clone, env)
        expect(tests.stdout, tests.stdout + tests.stderr).toMatch(/Tests\s+2 passed/)
        expect(tests.status).toBe(0)
      } finally {
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL')
        rmSync(clone, { recursive: true, force: true })
        rmSync(cache, { recursive: true, force: true })
      }
    })
  }
})

describe("the README's embedded warehouse", () => {
  it('serves into a DuckDB file with the README command; the README count command prints the rows per table', async () => {
    expect(readme).toContain(WAREHOUSE_SERVE)
    expect(readme).toContain(WAREHOUSE_COUNTS)
    const dir = mkdtempSync(join(tmpdir(), 'pb-readme-wh-'))
    const bin = `${root}packages/cli/bin/patchbay.js`
    // The README's command, run in a folder of its own; only the port and data dir come from the env.
    const child = spawn(process.execPath, [bin, ...WAREHOUSE_SERVE.split(' ').slice(2)], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', PATCHBAY_PORT: '0', PATCHBAY_DATA_DIR: join(dir, 'data') },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c
    })
    try {
      await until(
        () => /listening on (http:\/\/\S+)/.test(stdout),
        () => stdout + stderr,
        120_000,
      )
      const url = /listening on (http:\/\/\S+)/.exec(stdout)![1]!
      expect(stdout).toMatch(/plugin {4}destinations\.warehouse {2}@patchbay\/destination-duckdb@\d/)
      expect(stdout).not.toContain('destinations.receiver')
      const curl = spawnSync('bash', ['-c', FIRST_EVENT.replace('http://127.0.0.1:8080', url)], {
        encoding: 'utf8',
      })
      expect(curl.stdout).toBe('{"success":true}')
      // Delivered once the gateway's queue is empty (its /metrics say so).
      let left = -1
      while (left !== 0) {
        const text = await (await fetch(`${url}/metrics`)).text()
        left = text
          .split('\n')
          .filter(
            (l) => l.startsWith('patchbay_queue_jobs{') || l.startsWith('patchbay_queue_pending_events'),
          )
          .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0)
        if (left !== 0) await new Promise((r) => setTimeout(r, 100))
      }
      child.kill('SIGTERM')
      expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0)
      const counts = spawnSync(process.execPath, [bin, ...WAREHOUSE_COUNTS.split(' ').slice(2)], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
        timeout: 60_000,
      })
      expect(counts.stderr).toBe('')
      expect(counts.stdout.trim().split('\n')).toEqual(['signed_up  1', 'tracks     1'])
    } finally {
      child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)
})
