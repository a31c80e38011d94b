// The processes of the gateway benchmarks and the load they send: a child pinned to one core
// (taskset) that prints `ready <url>`, durable ingest from CLIENTS concurrent clients, and the
// receiver's count of the events delivered.
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { Agent, request } from 'undici'
import { BATCH, bodies, CLIENTS, WRITE_KEY } from './_bodies.ts'

const AUTH = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`
const agent = new Agent({ connections: CLIENTS + 2, pipelining: 1, keepAliveTimeout: 60_000 })

/** `node --no-node-snapshot ...args` pinned to `core`; resolves once it prints `ready <url>`. */
export function spawnReady(
  args: string[],
  core: number,
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn('taskset', ['-c', String(core), process.execPath, '--no-node-snapshot', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  })
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('ready ')) resolve({ child, url: line.slice(6) })
    })
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code} before it was ready`)))
  })
}

/** SIGTERM, then SIGKILL after 15 s. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))])
  child.kill('SIGKILL')
}

/** Events/s the gateway acknowledged over `ms` (batches of BATCH from CLIENTS clients); adds them to `sent`. */
export async function ingestRate(url: string, ms: number, sent = { events: 0 }): Promise<number> {
  let events = 0
  let n = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() - start < ms) {
        const res = await request(`${url}/v1/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: AUTH },
          body: bodies[n++ % bodies.length],
          dispatcher: agent,
        })
        await res.body.text()
        if (res.statusCode !== 200) throw new Error(`the gateway answered ${res.statusCode}`)
        events += BATCH
      }
    }),
  )
  sent.events += events
  return (events / (performance.now() - start)) * 1000
}

/**
 * Waits until the receiver (_receiver-process.ts) has `total` events: what was acknowledged
 * so far is delivered, so the next round does not share the core with this one's backlog.
 * Fails after `ms`, saying what is missing (a feature that dropped events shows here).
 */
export async function drained(receiverUrl: string, total: number, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    const res = await request(`${receiverUrl}/count`, { dispatcher: agent })
    const { events } = (await res.body.json()) as { events: number }
    if (events >= total) return
    if (Date.now() > deadline)
      throw new Error(
        `${what}: the receiver has ${events} of the ${total} events acknowledged; did the gateway drop some?`,
      )
    await new Promise((r) => setTimeout(r, 20))
  }
}
