import { spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { fixtures, runCli } from './_cli.ts'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const scratch: string[] = []
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A copy of the fixture destination inside the fixtures folder (so it resolves @patchbay/core). */
function copyConnector() {
  const dir = mkdtempSync(join(fixtures, '.tmp-dev-'))
  scratch.push(dir)
  cpSync(join(fixtures, 'broken-connector'), dir, { recursive: true })
  return dir
}

describe('patchbay dev', () => {
  it('--once runs sample events through the destination and prints what it would send', async () => {
    const r = await runCli(['dev', copyConnector(), '--once'])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('── broken-connector@1.0.0: 3 events')
    expect(r.stdout).toMatch(/→ POST \/ {2}track "Order Completed"/)
    expect(r.stderr).toContain(
      'failed: destinations.dev (broken-connector@1.0.0) does not support page events',
    )
  })

  it('watches the package and runs again with the edited code', { timeout: 60_000 }, async () => {
    const dir = copyConnector()
    const child = spawn(
      process.execPath,
      ['--no-node-snapshot', '--conditions=@patchbay/source', main, 'dev', dir],
      {
        env: { ...process.env, NO_COLOR: '1' },
      },
    )
    let out = ''
    child.stdout.on('data', (c) => (out += c))
    child.stderr.on('data', (c) => (out += c))
    const waitFor = async (text: string) => {
      for (let i = 0; i < 300 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 100))
      expect(out).toContain(text)
    }
    try {
      await waitFor('watching')
      await waitFor('"event":"Order Completed"')
      const file = join(dir, 'src', 'index.js')
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('body: event', 'body: { edited: true, name: event.event }'),
      )
      await waitFor('{"edited":true,"name":"Order Completed"}')
    } finally {
      child.kill('SIGTERM')
    }
  })
})
