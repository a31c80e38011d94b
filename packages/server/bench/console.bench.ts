import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { consoleAssetsDir } from '@patchbay/console'
import { defineBench, median } from '../../../test/bench/_harness.ts'
import { drained, ingestRate, spawnReady, stop } from './_processes.ts'

// Issue 23's figures: ingest with one console client watching the live stream against the
// same gateway with nobody watching, in alternating rounds of one run (gateway pinned to one
// core, load and watcher on the other), every acknowledged event delivered before the next
// round starts (else each round shares the core with a longer backlog than the one before,
// and the second of each pair, the watched one, always loses); and the console's first-load
// JavaScript, gzipped.

const here = new URL('.', import.meta.url).pathname
const TOKEN = 'bench_console_token_0123456789'
const ROUNDS = 5
const ROUND_MS = 1_500

/** A console client watching every event of the live stream, reading all it is sent. */
async function watch(url: string): Promise<{ messages: () => number; close: () => void }> {
  const controller = new AbortController()
  const res = await fetch(`${url}/console/api/live`, {
    headers: { authorization: `Bearer ${TOKEN}` },
    signal: controller.signal,
  })
  if (res.status !== 200 || !res.body) throw new Error(`the live stream answered ${res.status}`)
  let messages = 0
  void (async () => {
    try {
      for await (const chunk of res.body!) messages += String(Buffer.from(chunk)).split('\n\n').length - 1
    } catch {
      // aborted
    }
  })()
  return { messages: () => messages, close: () => controller.abort() }
}

const measured: { without?: number; watched?: number; ratio?: number } = {}

async function ingestBothWays(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pb-bench-console-'))
  const receiver = await spawnReady([join(here, '_receiver-process.ts')], 0)
  const gateway = await spawnReady(
    [join(here, '_console-gateway-process.ts'), dataDir, receiver.url, TOKEN],
    1,
  )
  try {
    const sent = { events: 0 }
    const round = async (ms: number, what: string) => {
      const rate = await ingestRate(gateway.url, ms, sent)
      await drained(receiver.url, sent.events, what)
      return rate
    }
    await round(500, 'warm-up')
    const without: number[] = []
    const watched: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
      without.push(await round(ROUND_MS, 'unwatched'))
      const client = await watch(gateway.url)
      watched.push(await round(ROUND_MS, 'watched'))
      if (client.messages() === 0) throw new Error('the console client got nothing from the live stream')
      client.close()
    }
    measured.without = median(without)
    measured.watched = median(watched)
    measured.ratio = median(watched.map((w, i) => w / without[i]!))
  } finally {
    await stop(gateway.child)
    await stop(receiver.child)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** The built console's files, and the scripts index.html loads up front (the entry and what it preloads). */
function consoleDist(): { dir: string; firstLoad: string[]; all: string[] } {
  const dir = consoleAssetsDir
  const html = readFileSync(join(dir, 'index.html'), 'utf8')
  const firstLoad = [...html.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!)
  const all = readdirSync(join(dir, 'assets'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => `assets/${f}`)
  return { dir, firstLoad, all }
}

const gzipKb = (dir: string, files: string[]) =>
  files.reduce((sum, f) => sum + gzipSync(readFileSync(join(dir, f)), { level: 9 }).length, 0) / 1024

export default defineBench([
  {
    name: 'console.ingest.unwatched',
    unit: 'events/s',
    description: 'gateway ingest (console on, nobody watching), batches of 100, 8 clients, one core',
    async measure() {
      await ingestBothWays()
      return measured.without!
    },
  },
  {
    name: 'console.ingest.watched',
    unit: 'events/s',
    description: 'the same gateway, same run, with one console client reading the live stream',
    measure: () => measured.watched!,
  },
  {
    name: 'console.ingest.watched.vs_unwatched',
    unit: 'ratio',
    description: 'ingest with a console client watching / without: the median ratio of adjacent rounds',
    goal: { op: '>=', value: 0.95 },
    measure: () => measured.ratio!,
  },
  {
    name: 'console.first_load_js_gzip',
    unit: 'KB',
    description: 'JavaScript the console page loads first, gzip -9 (the editor loads with the playground)',
    goal: { op: '<=', value: 200 },
    measure() {
      const { dir, firstLoad } = consoleDist()
      if (firstLoad.length === 0) throw new Error('dist/index.html loads no script: is the console built?')
      return gzipKb(dir, firstLoad)
    },
  },
  {
    name: 'console.all_js_gzip',
    unit: 'KB',
    description: 'every script of the console, the playground editor (CodeMirror) included, gzip -9',
    measure() {
      const { dir, all } = consoleDist()
      return gzipKb(dir, all)
    },
  },
])
