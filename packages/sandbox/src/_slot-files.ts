/**
 * Long payloads between the host and a worker cross through memory files, not the IPC socket:
 * log lines on the way in (one string of a piece's lines), outputs on the way back.
 *
 * Measured on the 2-core machine this project runs on: sending 85 KB through Node's IPC
 * channel (a Unix socket) cost the sender 100 to 300 µs of CPU, most of it in the kernel,
 * and a round trip 180 to 430 µs; the same bytes written to a file in /dev/shm (tmpfs, so
 * memory, never disk) and read back by the worker cost 7 + 5 µs, and the round trip about 95
 * µs, of which the IPC message that says where to look is most. Sandboxed log parsing (pieces
 * of 500 lines, 85 KB) went from 2.1-2.8 to 1.4-1.6 µs of wall time per line with this and
 * the runtime's cheaper dropped lines together.
 *
 * Each worker gets SLOTS files, created by the host, unlinked at once (so nothing is left
 * behind whatever happens to either process) and handed to the worker as inherited file
 * descriptors 4, 5, ... A run request that has a slot owns it from the moment it is sent
 * until its answer has been read: the host writes the lines there, the worker reads them,
 * then writes its output over them, and the host reads that. A slot is never reused before
 * its answer is read, so neither side ever reads bytes of another request. Payloads are V8's
 * serialization (what the IPC channel sends anyway), so every string crosses exactly as it did.
 *
 * Where memory files cannot be made (not Linux, /dev/shm missing or full), or a write fails,
 * the payload crosses inline in the IPC message, as before.
 */
import { randomUUID } from 'node:crypto'
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs'
import { deserialize, serialize } from 'node:v8'

/** Slots per worker: one more than the requests the pool lets a worker hold (DEPTH = 2). */
export const SLOTS = 3
/** The first slot's descriptor in the worker (after stdin, stdout, stderr and the IPC channel). */
export const FIRST_SLOT_FD = 4
/** Payloads below this many bytes stay in the IPC message: the socket is cheap for them. */
export const FILE_MIN_BYTES = 16 * 1024
/** A slot file grown past this is cut back to nothing once its answer is read. */
const KEEP_BYTES = 8 * 2 ** 20
const SHM = '/dev/shm'

/**
 * Opens SLOTS unlinked memory files for a new worker, or undefined where that is not possible
 * (the payloads then cross inline).
 */
export function openSlotFiles(): number[] | undefined {
  if (process.platform !== 'linux') return undefined
  const fds: number[] = []
  try {
    for (let i = 0; i < SLOTS; i++) {
      const path = `${SHM}/patchbay-sandbox-${process.pid}-${randomUUID()}`
      // O_EXCL: a file someone else planted under that name is never used.
      fds.push(openSync(path, 'wx+', 0o600))
      unlinkSync(path)
    }
    return fds
  } catch {
    closeSlotFiles(fds)
    return undefined
  }
}

export function closeSlotFiles(fds: readonly number[] | undefined): void {
  for (const fd of fds ?? []) {
    try {
      closeSync(fd)
    } catch {
      // already closed
    }
  }
}

/** Writes `bytes` at the start of a slot file; false when it could not (the caller sends inline). */
export function writeSlot(fd: number, bytes: Uint8Array): boolean {
  try {
    let done = 0
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, done)
    return true
  } catch {
    return false
  }
}

let scratch = Buffer.allocUnsafe(256 * 1024)

/**
 * The value serialized in the first `length` bytes of a slot file. Throws, before allocating
 * anything for it, when `length` is over `limit` or the file holds fewer bytes; throws when
 * they are not a serialized value. (The host reads what a worker says it wrote: a worker is
 * checked like any other input.)
 */
export function readSlot(fd: number, length: number, limit = Number.MAX_SAFE_INTEGER): unknown {
  if (length > limit) throw new Error(`a slot file payload of ${length} bytes is over the limit of ${limit}`)
  const size = fstatSync(fd).size
  if (size < length) throw new Error(`the slot file holds ${size} bytes, not ${length}`)
  if (scratch.length < length) scratch = Buffer.allocUnsafe(Math.max(length, scratch.length * 2))
  let done = 0
  while (done < length) {
    const n = readSync(fd, scratch, done, length - done, done)
    if (n === 0) throw new Error(`the slot file holds ${done} bytes, not ${length}`)
    done += n
  }
  const value = deserialize(scratch.subarray(0, length))
  // A buffer grown for one huge payload is not kept for the small ones after it.
  if (scratch.length > KEEP_BYTES) scratch = Buffer.allocUnsafe(256 * 1024)
  return value
}

/** Gives a slot file's memory back after a payload past KEEP_BYTES. */
export function trimSlot(fd: number, length: number): void {
  if (length <= KEEP_BYTES) return
  try {
    ftruncateSync(fd, 0)
  } catch {
    // the next write grows it again either way
  }
}

/**
 * A request's input serialized for its slot file when it is worth it, else undefined (it
 * crosses inline): log lines joined into one string of FILE_MIN_BYTES characters or more.
 * Batches of events stay inline: serializing them here and deserializing them from the file
 * measured slower than the IPC channel's own path (batches of 1000 events: 5.5 against 4.4 µs
 * of wall time per event), unlike a long string, whose serialization is one copy.
 */
export function slotPayload(value: unknown): Uint8Array | undefined {
  return typeof value === 'string' && value.length >= FILE_MIN_BYTES ? serialize(value) : undefined
}
