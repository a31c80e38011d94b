import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const fixture = fileURLToPath(new URL('./fixtures/typed/transform.ts', import.meta.url))

// The transform globals (`@patchbay/sandbox/globals`) type a TypeScript transform: the
// fixture uses lookupIdentity and log, and its @ts-expect-error lines prove that the answer is
// read-only and that ids must be strings.
it('types the globals of a TypeScript transform through @patchbay/sandbox/globals', async () => {
  const args = ['--ignoreConfig', '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext']
  const out = await new Promise<{ code: number; text: string }>((resolve) =>
    execFile(
      process.execPath,
      [tsc, ...args, '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', fixture],
      (error, stdout, stderr) => resolve({ code: error ? 1 : 0, text: `${stdout}${stderr}` }),
    ),
  )
  expect(out.text).toBe('')
  expect(out.code).toBe(0)
})
