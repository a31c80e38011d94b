import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { serve as serveCommand } from '../src/commands/serve.ts'
import { fixtures, runCli } from './_cli.ts'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const pipeline = join(fixtures, 'serve', 'pipeline.yaml')
const running: ChildProcessWithoutNullStreams[] = []
const dirs: string[] = []
afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL')
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-serve-'))
  dirs.push(dir)
  return dir
}

/** Starts the real CLI's `serve`, and collects what it prints. */
function serve(args: string[], env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    ['--no-node-snapshot', '--conditions=@patchbay/source', main, 'serve', ...args],
    {
      cwd: fixtures,
      env: { ...process.env, NO_COLOR: '1', ...env },
    },
  )
  running.push(child)
  const out = { stdout: '', stderr: '' }
  child.stdout.on('data', (c: Buffer) => {
    out.stdout += c
  })
  child.stderr.on('data', (c: Buffer) => {
    out.stderr += c
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, out, exited }
}

async function until(check: () => boolean, printed: () => string, ms = 20_000) {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out; printed:\n${printed()}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('patchbay serve', () => {
  it('serves a pipeline: prints where it listens, its data dir and plugins, delivers, and stops on SIGTERM', async () => {
    const dataDir = tempDir()
    const s = serve([pipeline, '--port', '0', '--data-dir', dataDir, '--receiver'])
    const printed = () => s.out.stdout + s.out.stderr
    await until(() => s.out.stdout.includes('admin '), printed)
    const url = /listening on (\S+)/.exec(s.out.stdout)![1]!
    expect(s.out.stdout).toContain(`pipeline  ${pipeline}`)
    expect(s.out.stdout).toContain(`data dir  ${dataDir}`)
    expect(s.out.stdout).toMatch(
      /plugin {4}destinations\.hook {2}@patchbay\/destination-webhook@\d+\.\d+\.\d+/,
    )
    expect(s.out.stdout).not.toContain('pb_dev_write_key')
    expect(s.out.stdout).toContain('admin     off: set PATCHBAY_ADMIN_TOKEN')
    expect(s.out.stdout).toContain('console   off: set PATCHBAY_ADMIN_TOKEN')
    const res = await fetch(`${url}/v1/identify`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('wk_serve_test_123:').toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ userId: 'ada', traits: { plan: 'pro' } }),
    })
    expect(res.status).toBe(200)
    await until(() => s.out.stderr.includes('receiver ← POST /hook  identify'), printed)
    s.child.kill('SIGTERM')
    expect(await s.exited).toBe(0)
    expect(s.out.stderr).toContain('SIGTERM: stopping')
  })

  it('refuses a second gateway on the same data dir, naming the first one', async () => {
    const dataDir = tempDir()
    const token = 'admin_token_serve_test_0123'
    const first = serve([pipeline, '--port', '0', '--data-dir', dataDir, '--receiver'], {
      PATCHBAY_ADMIN_TOKEN: token,
    })
    await until(
      () => first.out.stdout.includes('console '),
      () => first.out.stdout + first.out.stderr,
    )
    expect(first.out.stdout).toMatch(/admin {5}on: patchbay dlq list --gateway http:\/\/127\.0\.0\.1:\d+/)
    expect(first.out.stdout).toMatch(
      /console {3}http:\/\/127\.0\.0\.1:\d+\/console\/ \(sign in with PATCHBAY_ADMIN_TOKEN\)/,
    )
    expect(first.out.stdout + first.out.stderr).not.toContain(token)
    const second = await runCli(['serve', pipeline, '--port', '0', '--data-dir', dataDir, '--receiver'])
    expect(second.code).toBe(2)
    expect(second.stderr).toContain('PB_GATEWAY_DATA_DIR')
    expect(second.stderr).toContain(String(first.child.pid))
  })

  it('says what is wrong with a bad pipeline or flag, with exit code 2', async () => {
    const dataDir = join(tempDir(), 'never-created')
    const noKey = await runCli([
      'serve',
      join(fixtures, 'serve', 'no-write-key.yaml'),
      '--port',
      '0',
      '--data-dir',
      dataDir,
    ])
    expect(noKey.code).toBe(2)
    expect(noKey.stderr).toContain('PB_PIPELINE_INVALID: the pipeline has no source with a writeKey')
    expect(noKey.stderr).toContain('sources: [{ id: web, writeKey:')
    expect(existsSync(dataDir)).toBe(false)
    const badPort = await runCli(['serve', '--port', 'eighty'])
    expect(badPort.code).toBe(2)
    expect(badPort.stderr).toContain('--port must be a port number (0-65535), got "eighty"')
    const badDuration = await runCli(['serve', '--retry-for', 'forever'])
    expect(badDuration.code).toBe(2)
    expect(badDuration.stderr).toContain('--retry-for takes a duration such as 24h')
  })

  it('listens for Ctrl-C before it prints where it listens, so a signal sent on reading the banner stops it gracefully', async () => {
    // A reader may signal the moment the banner appears; CI once caught the gateway before its
    // handler was installed, and Node's default action killed it without a shutdown.
    const signals = new EventEmitter()
    const err: string[] = []
    const output = {
      out: (text: string) => {
        if (text.includes('listening on')) signals.emit('SIGINT')
      },
      err: (text: string) => void err.push(text),
      tty: false,
    }
    const dataDir = tempDir()
    const code = await serveCommand({ pipeline, port: 0, dataDir, receiver: true }, output, signals)
    expect(code).toBe(0)
    expect(err.filter((line) => line.startsWith('SIGINT: stopping'))).toHaveLength(1)
    expect(err.at(-1)).toBe('stopped')
    expect(existsSync(join(dataDir, 'patchbay.lock'))).toBe(false)
  })
})
