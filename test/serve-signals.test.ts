import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { root } from './_build.ts'
import { until } from './_until.ts'

// `patchbay serve` through the real launcher (bin/patchbay.js relaunches Node with
// --no-node-snapshot), stopped the ways operators stop it.

const dirs: string[] = []
const groups: number[] = []
afterEach(() => {
  for (const pid of groups.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {}
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Starts `patchbay serve` as its own process group, the way a terminal runs a job. */
function serve() {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-signals-'))
  dirs.push(dataDir)
  const child = spawn(process.execPath, [`${root}packages/cli/bin/patchbay.js`, 'serve', '--port', '0'], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1', PATCHBAY_DATA_DIR: dataDir },
    detached: true,
  })
  groups.push(child.pid!)
  const out = { stdout: '', stderr: '' }
  child.stdout.on('data', (c: Buffer) => {
    out.stdout += c
  })
  child.stderr.on('data', (c: Buffer) => {
    out.stderr += c
  })
  // 'close', not 'exit': it comes after stdout and stderr end, so `out` holds all they wrote
  // ('exit' can come first, and a CI run once saw stderr without its last lines).
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  return { child, out, exited, lock: join(dataDir, 'patchbay.lock') }
}

describe('stopping patchbay serve', () => {
  it('shuts down gracefully on Ctrl-C, which reaches both the launcher and the gateway', async () => {
    const s = serve()
    await until(
      () => s.out.stdout.includes('listening on'),
      () => 'the gateway to listen',
    )
    process.kill(-s.child.pid!, 'SIGINT') // what a terminal does: the whole process group
    expect(await s.exited).toBe(0)
    expect(s.out.stderr.match(/SIGINT: stopping/g)).toHaveLength(1)
    expect(s.out.stderr).toContain('stopped')
    expect(existsSync(s.lock)).toBe(false)
  })

  it('stops the gateway when the launcher is killed with SIGKILL, releasing the data directory', async () => {
    const s = serve()
    await until(
      () => s.out.stdout.includes('listening on'),
      () => 'the gateway to listen',
    )
    expect(existsSync(s.lock)).toBe(true)
    s.child.kill('SIGKILL')
    await until(
      () => !existsSync(s.lock),
      () => 'the orphaned gateway to stop and release its lock',
    )
  })
})
