import { spawnSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { renderUsage } from 'citty'
import { afterAll, describe, expect, it } from 'vitest'
import { patchbay } from '../packages/cli/src/main.ts'
import { root } from './_build.ts'

// `patchbay --version` and `--help` start fast because they import citty and nothing of the
// runtime: asserted by the modules they load, never by a timing (the bench measures that:
// cli.start.*).

const bin = `${root}packages/cli/bin/patchbay.js`

/** A preload that prints every module URL the process loads, one per line, to fd 3. */
const hook = join(tmpdir(), `pb-cli-start-hook-${process.pid}.mjs`)
writeFileSync(
  hook,
  `import module from 'node:module'
import { writeSync } from 'node:fs'
module.registerHooks({ load(url, context, next) { writeSync(3, url + '\\n'); return next(url, context) } })
`,
)

afterAll(() => rmSync(hook, { force: true }))

function loads(args: string[]): { stdout: string; modules: string[] } {
  const r = spawnSync(process.execPath, ['--import', hook, bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  })
  expect(r.status, r.stderr).toBe(0)
  return { stdout: r.stdout, modules: String(r.output[3]).split('\n').filter(Boolean) }
}

describe('patchbay starts without the runtime', () => {
  for (const flag of ['--version', '--help']) {
    it(`${flag} loads no command, no core, no TypeBox and no sandbox`, () => {
      const { modules } = loads([flag])
      expect(modules.some((m) => m.endsWith('/citty/dist/index.mjs'))).toBe(true)
      const runtime = modules.filter((m) =>
        /@patchbay\/(core|protocol|sandbox|server|testing)|packages\/(core|protocol|sandbox|server|testing)\/|typebox|isolated-vm|undici|\/commands\//.test(
          m,
        ),
      )
      expect(runtime).toEqual([])
      expect(modules.length).toBeLessThan(30)
    })
  }

  it('--help from the build lists every command as the commands themselves describe it', async () => {
    const built = loads(['--help']).stdout
    expect(built).toBe(`${await renderUsage(patchbay)}\n`)
    for (const name of ['run', 'transform', 'serve', 'dlq']) expect(built).toContain(name)
  })
})
