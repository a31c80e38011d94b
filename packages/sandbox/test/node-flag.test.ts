import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

const script = `import { createSandbox } from '@patchbay/sandbox'
try {
  const s = createSandbox()
  const t = await s.compile('export function transformEvent(e) { return e }', { filename: 'ok.js' })
  console.log('ran', JSON.stringify((await t.run([{ messageId: 'm-1' }])).results))
  await s.dispose()
} catch (error) {
  console.log(error.code, error.message, '|', error.hint)
}`

function startNode(args: string[], env: Record<string, string | undefined>) {
  const { NODE_OPTIONS: _drop, ...rest } = process.env
  return spawnSync(
    process.execPath,
    [...args, '--conditions=@patchbay/source', '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
      env: { ...rest, ...env },
    },
  )
}

describe('--no-node-snapshot', () => {
  it('is not needed by the host: isolates run only in worker processes, which start with it', () => {
    const out = startNode([], {})
    expect(out.stdout.trim()).toBe('ran [{"ok":true,"events":[{"messageId":"m-1"}]}]')
  })

  it('runs with the flag on the command line or in NODE_OPTIONS', () => {
    expect(startNode(['--no-node-snapshot'], {}).stdout.trim()).toBe(
      'ran [{"ok":true,"events":[{"messageId":"m-1"}]}]',
    )
    expect(startNode([], { NODE_OPTIONS: '--no-node-snapshot' }).stdout.trim()).toBe(
      'ran [{"ok":true,"events":[{"messageId":"m-1"}]}]',
    )
  })
})
