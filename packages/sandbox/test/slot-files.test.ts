import { fstatSync, readdirSync, readlinkSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { serialize } from 'node:v8'
import { describe, expect, it } from 'vitest'
import {
  closeSlotFiles,
  FILE_MIN_BYTES,
  openSlotFiles,
  readSlot,
  slotPayload,
  trimSlot,
  writeSlot,
} from '../src/_slot-files.ts'
import { sandboxFor } from './_helpers.ts'

const lineEvent = (message: string, line: number) => ({
  type: 'track',
  event: 'log_line',
  messageId: `l-${line}`,
  properties: { message, file: 'app.log', line },
})

/** Every string a line or an output may hold: two-byte text, astral characters, lone surrogates. */
const AWKWARD = [
  'plain ascii',
  'café Ünïcödé',
  '日本語のログ',
  'emoji 🚀🔥',
  'lone \ud800 high',
  'lone \udfff low',
  '\u2028\u2029',
]

async function workerPids(): Promise<number[]> {
  const text = await readFile(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8')
  return text.split(' ').filter(Boolean).map(Number)
}

describe.runIf(process.platform === 'linux')('slot files', () => {
  it('are memory files no one else can find: unlinked at once, held only as descriptors', () => {
    const fds = openSlotFiles()
    try {
      expect(fds).toHaveLength(3)
      for (const fd of fds!) {
        expect(readlinkSync(`/proc/self/fd/${fd}`)).toMatch(/^\/dev\/shm\/patchbay-sandbox-.* \(deleted\)$/)
        expect(fstatSync(fd).mode & 0o777).toBe(0o600)
      }
      expect(readdirSync('/dev/shm').filter((f) => f.startsWith(`patchbay-sandbox-${process.pid}-`))).toEqual(
        [],
      )
    } finally {
      closeSlotFiles(fds)
    }
  })

  it('give back exactly the string written, whatever it holds, and refuse a length they do not hold', () => {
    const fds = openSlotFiles()!
    try {
      const text = AWKWARD.join('\n').repeat(2000)
      const bytes = slotPayload(text)!
      expect(writeSlot(fds[0]!, bytes)).toBe(true)
      expect(readSlot(fds[0]!, bytes.length)).toBe(text)
      expect(() => readSlot(fds[0]!, bytes.length + 10)).toThrow(/holds .* bytes, not/)
      // A length a worker made up is refused before anything is allocated for it.
      expect(() => readSlot(fds[0]!, 2 ** 40)).toThrow(/holds .* bytes, not/)
      expect(() => readSlot(fds[0]!, bytes.length, bytes.length - 1)).toThrow(/over the limit/)
    } finally {
      closeSlotFiles(fds)
    }
  })

  it('take only long strings: short ones and batches of events stay in the IPC message', () => {
    expect(slotPayload('x'.repeat(FILE_MIN_BYTES - 1))).toBeUndefined()
    expect(slotPayload('x'.repeat(FILE_MIN_BYTES))).toBeInstanceOf(Uint8Array)
    expect(slotPayload(Array.from({ length: 5000 }, (_, i) => ({ i })))).toBeUndefined()
  })

  it('give their memory back after a payload past 8 MiB', () => {
    const fds = openSlotFiles()!
    try {
      const big = serialize('y'.repeat(9 * 2 ** 20))
      writeSlot(fds[1]!, big)
      expect(fstatSync(fds[1]!).size).toBe(big.length)
      trimSlot(fds[1]!, big.length)
      expect(fstatSync(fds[1]!).size).toBe(0)
      const small = serialize('z'.repeat(100_000))
      writeSlot(fds[2]!, small)
      trimSlot(fds[2]!, small.length)
      expect(fstatSync(fds[2]!).size).toBe(small.length)
    } finally {
      closeSlotFiles(fds)
    }
  })

  it('carry long batches of lines in and long outputs back exactly, through a real worker that holds them', async () => {
    const sandbox = sandboxFor({ poolSize: 1 })
    try {
      const before = new Set(await workerPids())
      // Each line comes back as its event: the output is as long as the input, both past the threshold.
      const t = await sandbox.compile(
        'export function transformLine(line) { return { event: "echo", properties: { text: line, n: line.length } } }',
        { filename: 'echo.js' },
      )
      const lines = Array.from(
        { length: 3000 },
        (_, i) => `${i} ${AWKWARD[i % AWKWARD.length]} ${'z'.repeat(i % 50)}`,
      )
      expect(lines.join('\n').length).toBeGreaterThan(4 * FILE_MIN_BYTES)
      const { results } = await t.run(lines.map((line, i) => lineEvent(line, i + 1)))
      expect(
        results.map((r) =>
          r.ok ? (r.events[0] as { properties: { text: string } }).properties.text : r.error.message,
        ),
      ).toEqual(lines)

      const [worker] = (await workerPids()).filter((p) => !before.has(p))
      const held = readdirSync(`/proc/${worker}/fd`)
        .map((fd) => {
          try {
            return readlinkSync(`/proc/${worker}/fd/${fd}`)
          } catch {
            return ''
          }
        })
        .filter((target) => target.startsWith('/dev/shm/patchbay-sandbox-'))
      expect(held).toHaveLength(3)
    } finally {
      await sandbox.dispose()
    }
  })

  it('carry an output of 9 MiB, then the next batches as before', async () => {
    const sandbox = sandboxFor({
      poolSize: 1,
      outputLimitBytes: 16 * 2 ** 20,
      batchOutputLimitBytes: 32 * 2 ** 20,
    })
    try {
      const t = await sandbox.compile(
        'export function transformLine(line) { return { event: "big", properties: { text: line.repeat(Number(line.length > 10 ? 1 : 3 * 2 ** 20)) } } }',
        { filename: 'big.js' },
      )
      const first = await t.run([lineEvent('abc', 1)])
      expect(
        first.results[0]!.ok &&
          (first.results[0]!.events[0] as { properties: { text: string } }).properties.text.length,
      ).toBe(9 * 2 ** 20)
      const next = await t.run([lineEvent('a longer line', 2)])
      expect(
        next.results[0]!.ok &&
          (next.results[0]!.events[0] as { properties: { text: string } }).properties.text,
      ).toBe('a longer line')
    } finally {
      await sandbox.dispose()
    }
  })
})
