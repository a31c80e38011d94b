import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RecentEvents } from './_recent.ts'
import type { ConsoleRecord, RecordFilter } from './_records.ts'
import { matches } from './_records.ts'

export interface LiveOptions {
  /** New events a client is sent per second at most (a burst of twice as many); the rest are counted as sampled out. */
  eventsPerSecond: number
  /** Server-sent event clients at most; one more is refused (429). */
  maxClients: number
}

/** Records already sent to a client that it still gets updates for. */
const MAX_FOLLOWED = 2_000
/** Recent matching events a new client starts with. */
const BACKFILL = 50

/**
 * The live view's stream (text/event-stream, read by the browser with fetch so it can send
 * headers): `event: event` for each new matching event, `event: update` when an event's
 * outcome changes, and `event: skipped` with how many events were sampled out or dropped
 * because the client was slow. A client that cannot keep up loses messages; the gateway never
 * waits for it.
 */
export function createLiveStreams(recent: RecentEvents, options: LiveOptions) {
  let clients = 0

  function open(req: IncomingMessage, res: ServerResponse, filter: RecordFilter): boolean {
    if (clients >= options.maxClients) return false
    clients++
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    })
    res.write(`: patchbay console live stream\n\n`)
    const followed = new Set<number>()
    let tokens = options.eventsPerSecond * 2
    let refilledAt = Date.now()
    let congested = false
    let skipped = 0

    const send = (kind: string, data: unknown): void => {
      if (congested) {
        skipped++
        return
      }
      if (!res.write(`event: ${kind}\ndata: ${JSON.stringify(data)}\n\n`)) congested = true
    }
    const onDrain = () => {
      congested = false
      if (skipped > 0) {
        const n = skipped
        skipped = 0
        send('skipped', { count: n })
      }
    }
    res.on('drain', onDrain)
    // What arrived just before the client connected, oldest first, so the view is not empty.
    for (const record of recent.find(filter, BACKFILL).reverse()) {
      followed.add(record.id)
      recent.sample(record)
      send('event', record)
    }

    const stop = recent.listen((record: ConsoleRecord, change) => {
      if (change === 'update') {
        if (followed.has(record.id))
          send('update', {
            id: record.id,
            destinations: record.destinations,
            ...(record.steps ? { steps: record.steps } : {}),
          })
        return
      }
      if (!matches(record, filter)) return
      const now = Date.now()
      tokens = Math.min(
        options.eventsPerSecond * 2,
        tokens + ((now - refilledAt) / 1000) * options.eventsPerSecond,
      )
      refilledAt = now
      if (tokens < 1) {
        skipped++
        return
      }
      tokens--
      followed.add(record.id)
      recent.sample(record)
      if (followed.size > MAX_FOLLOWED) followed.delete(followed.values().next().value as number)
      send('event', record)
    })
    // Sampled-out counts reach the client at most once a second; a comment keeps proxies from closing an idle stream.
    const tick = setInterval(() => {
      if (congested) return
      if (skipped > 0) {
        const n = skipped
        skipped = 0
        send('skipped', { count: n })
      } else res.write(': ping\n\n')
    }, 1_000)
    tick.unref()
    let closed = false
    const close = () => {
      if (closed) return
      closed = true
      clients--
      clearInterval(tick)
      stop()
      res.off('drain', onDrain)
    }
    req.on('close', close)
    res.on('close', close)
    return true
  }

  return {
    open,
    get clients() {
      return clients
    },
  }
}

export type LiveStreams = ReturnType<typeof createLiveStreams>
