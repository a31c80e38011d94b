import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { terminalConfirm } from '../src/_dlq-confirm.ts'

/** A terminal stand-in: a TTY stdin the test types into, and the prompt's output captured. */
function terminal() {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, setRawMode: () => stdin })
  const output = new PassThrough()
  let shown = ''
  output.on('data', (chunk: Buffer) => (shown += chunk.toString('utf8')))
  return { stdin, output, shown: () => shown }
}

async function answer(keys: string): Promise<{ result: boolean; shown: string }> {
  const t = terminal()
  const confirm = terminalConfirm(t.stdin, t.output)!
  const pending = confirm('Delete 3 dead letters from /data for good?')
  // The keys arrive once the question is on the screen, as a person types them.
  while (!t.shown().includes('for good?')) await new Promise((r) => setTimeout(r, 5))
  t.stdin.write(keys)
  return { result: await pending, shown: t.shown() }
}

describe('terminalConfirm', () => {
  it('refuses to ask when stdin is not a terminal', () => {
    expect(terminalConfirm(Object.assign(new PassThrough(), { isTTY: false }))).toBeUndefined()
    expect(terminalConfirm(new PassThrough())).toBeUndefined()
  })

  it('asks the question and says yes only to an explicit yes', async () => {
    const yes = await answer('y')
    expect(yes.result).toBe(true)
    expect(yes.shown).toContain('Delete 3 dead letters from /data for good?')
  })

  it('answers no by default, to "n", and when cancelled with Ctrl-C', async () => {
    expect((await answer('\r')).result).toBe(false)
    expect((await answer('n')).result).toBe(false)
    expect((await answer('\x03')).result).toBe(false)
  })

  it('takes yes after moving the choice with the arrow keys and Enter', async () => {
    expect((await answer('\x1b[D\r')).result).toBe(true)
  })
})
