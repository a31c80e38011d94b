import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createSandbox } from '../../src/index.ts'
import { track } from '../_helpers.ts'
import { childPids, isAlive } from './_watch.ts'

const until = async (check: () => boolean) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25))
  return check()
}

describe('worker processes', () => {
  it('dispose() kills every worker: no process is left behind', async () => {
    const before = new Set(await childPids())
    const sandbox = createSandbox({ poolSize: 2 })
    const t = await sandbox.compile('export function transformEvent(e) { return e }', { filename: 'w.js' })
    await t.run(Array.from({ length: 600 }, (_, i) => track(`m-${i}`)))
    const workers = (await childPids()).filter((p) => !before.has(p))
    expect(workers.length).toBe(2)
    await sandbox.dispose()
    expect(workers.filter(isAlive)).toEqual([])
  })

  it('a worker exits when its host dies without closing it (SIGKILL)', async () => {
    const entry = fileURLToPath(new URL('../../src/index.ts', import.meta.url))
    const script = `import { createSandbox } from ${JSON.stringify(entry)}
      const s = createSandbox({ poolSize: 1 })
      const t = await s.compile('export function transformEvent(e) { return e }', { filename: 'orphan.js' })
      await t.run([{ messageId: 'm-1' }])
      console.log('ready')
      setInterval(() => {}, 1000)`
    const host = spawn(
      process.execPath,
      ['--conditions=@patchbay/source', '--input-type=module', '-e', script],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    await new Promise<void>((resolve, reject) => {
      host.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve())
      host.on('exit', (code) => reject(new Error(`the host exited early with ${code}`)))
    })
    const text = await readFile(`/proc/${host.pid}/task/${host.pid}/children`, 'utf8')
    const workers = text.split(' ').filter(Boolean).map(Number)
    expect(workers.length).toBe(1)
    host.kill('SIGKILL')
    expect(await until(() => workers.every((p) => !isAlive(p)))).toBe(true)
  }, 30_000)
})
