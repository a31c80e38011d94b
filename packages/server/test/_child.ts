import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LogRecord } from '@patchbay/core'
import { afterAll, afterEach } from 'vitest'
import type { GatewayOptionsInput } from '../src/index.ts'

const script = fileURLToPath(new URL('./_child-gateway.ts', import.meta.url))
const skewScript = fileURLToPath(new URL('./_skewed-clock.ts', import.meta.url))

/** A gateway running in its own process, as `patchbay serve` runs it. */
export interface ChildGateway {
  child: ChildProcess
  url: string
  port: number
  logs: LogRecord[]
  /** Every line it printed on stdout, raw (to bound their length). */
  lines: string[]
  stderr: () => string
  /** Resolves when the process exits (it should not, until the test kills it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  alive: () => boolean
}

/**
 * Starts and stops child gateways for a test file: each on a free port of 127.0.0.1 with its
 * own temp data dir (unless given one), SIGKILLed and removed after each test (or after the
 * file, with `{ per: 'file' }`).
 */
export function useChildGateways(scope: { per: 'test' | 'file' } = { per: 'test' }) {
  const children = new Set<ChildProcess>()
  const dirs: string[] = []
  const cleanup = async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGKILL')
        await exited
      }
    }
    children.clear()
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  }
  if (scope.per === 'test') afterEach(cleanup)
  else afterAll(cleanup)
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-child-'))
    dirs.push(dir)
    return dir
  }

  /** Resolves once the child listens; rejects with what it said if it fails to start. */
  function spawnGateway(config: {
    receiverUrl: string
    dataDir?: string
    options?: GatewayOptionsInput
    ordered?: boolean
    /** The pipeline's `identity:` block, as YAML (`{}`: stitching with the defaults). */
    identity?: string
    /** Run the child with its `Date.now` this many ms off the machine's clock (a node whose clock is wrong). */
    clockSkewMs?: number
  }): Promise<ChildGateway> {
    const { clockSkewMs, ...rest } = config
    const arg = JSON.stringify({ dataDir: config.dataDir ?? tempDir(), ...rest })
    const skew = clockSkewMs === undefined ? [] : [`--import=${skewScript}`]
    const child = spawn(
      process.execPath,
      ['--no-node-snapshot', '--conditions=@patchbay/source', ...skew, script, arg],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(clockSkewMs === undefined
          ? {}
          : { env: { ...process.env, PB_TEST_CLOCK_SKEW_MS: String(clockSkewMs) } }),
      },
    )
    children.add(child)
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    )
    let stderr = ''
    child.stderr!.on('data', (chunk) => {
      stderr += chunk
    })
    const logs: LogRecord[] = []
    const lines: string[] = []
    return new Promise<ChildGateway>((resolve, reject) => {
      let buffered = ''
      child.stdout!.on('data', (chunk) => {
        buffered += chunk
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const line = buffered.slice(0, nl)
          buffered = buffered.slice(nl + 1)
          lines.push(line)
          if (line.startsWith('log ')) logs.push(JSON.parse(line.slice(4)))
          else if (line.startsWith('failed ')) reject(new Error(JSON.parse(line.slice(7))))
          else if (line.startsWith('ready ')) {
            const url = line.slice(6)
            resolve({
              child,
              url,
              port: Number(new URL(url).port),
              logs,
              lines,
              stderr: () => stderr,
              exited,
              alive: () => child.exitCode === null && child.signalCode === null,
            })
          }
        }
      })
      void exited.then(({ code, signal }) =>
        reject(new Error(`the gateway exited before it was ready (${signal ?? code}): ${stderr}`)),
      )
    })
  }
  return { spawnGateway, tempDir }
}

/** The answer to one raw HTTP request, as bytes on a socket. */
export interface RawAnswer {
  status: number
  head: string
  body: string
  /** Bytes received in all. */
  bytes: number
}

/**
 * Writes `request` (a string or bytes, sent as is: no normalisation of any kind) on a fresh
 * socket to 127.0.0.1:`port` and reads until the server closes or `ms` pass. With
 * `closeAfterWrite`, the socket is ended right after writing (a half-sent request). Resolves
 * status 0 when no status line came back.
 */
export function rawRequest(
  port: number,
  request: string | Uint8Array,
  options: { ms?: number; closeAfterWrite?: boolean } = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let settled = false
    const finish = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      const all = Buffer.concat(chunks)
      const text = all.toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      const head = end >= 0 ? text.slice(0, end) : text
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
      resolve({
        status,
        head,
        body: end >= 0 ? all.subarray(end + 4).toString('utf8') : '',
        bytes: all.length,
      })
    }
    const timer = setTimeout(finish, options.ms ?? 10_000)
    socket.on('data', (chunk) => {
      chunks.push(chunk)
      // One answer is enough: stop once a complete Content-Length body is in.
      const text = Buffer.concat(chunks).toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, end))?.[1]
      if (end >= 0 && length !== undefined && Buffer.concat(chunks).length >= end + 4 + Number(length))
        finish()
    })
    socket.on('error', finish)
    socket.on('close', finish)
    socket.write(request, () => {
      if (options.closeAfterWrite) socket.end()
    })
  })
}

/** An HTTP/1.1 request as bytes: `Connection: close`, and Content-Length unless `headers` sets one. */
export function httpRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | Uint8Array = '',
): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body)
  const all: Record<string, string> = { host: '127.0.0.1', connection: 'close', ...headers }
  if (
    !Object.keys(all).some((h) => h.toLowerCase() === 'content-length') &&
    (bytes.length > 0 || method === 'POST')
  )
    all['content-length'] = String(bytes.length)
  const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(all)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n`
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes])
}
