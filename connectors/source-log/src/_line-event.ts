import pkg from '../package.json' with { type: 'json' }
import type { LogSourceConfig } from './config.ts'

/** The track event one log line becomes. */
export function lineEvent(text: string, line: number, origin: string, config: LogSourceConfig, at: string) {
  const { message, truncated } = cap(text, config.maxLineBytes)
  return {
    type: 'track' as const,
    event: config.eventName,
    anonymousId: config.anonymousId,
    originalTimestamp: at,
    properties: { message, file: origin, line, ...(truncated ? { truncated: true } : {}) },
    context: { library: { name: pkg.name, version: pkg.version } },
  }
}

/** Cuts a line to `max` UTF-8 bytes without splitting a character. */
function cap(text: string, max: number): { message: string; truncated: boolean } {
  if (text.length <= max / 3 || Buffer.byteLength(text) <= max) return { message: text, truncated: false }
  let cut = Buffer.from(text).subarray(0, max).toString('utf8')
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1)
  return { message: cut, truncated: true }
}

/** A line is skipped when empty (or only whitespace) and skipEmpty is on. */
export const skip = (text: string, config: LogSourceConfig) => config.skipEmpty && text.trim() === ''
