import { IsDateTime } from 'typebox/format'

const digit = (text: string, i: number): number => {
  const c = text.charCodeAt(i) - 48
  return c >= 0 && c <= 9 ? c : -1
}

/** The two-digit number at `i`, or -1 when either character is not an ASCII digit. */
const twoDigits = (text: string, i: number): number => {
  const a = digit(text, i)
  const b = digit(text, i + 1)
  return a < 0 || b < 0 ? -1 : a * 10 + b
}

const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const leap = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)

/**
 * True for the RFC 3339 date-times taps print nearly always,
 * `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, checked in one pass with no regex or split.
 * False means only "not in that form": the caller asks typebox's checker then.
 */
function isPlainDateTime(text: string): boolean {
  const n = text.length
  if (n < 20 || text.charCodeAt(4) !== 0x2d /* - */ || text.charCodeAt(7) !== 0x2d) return false
  const t = text.charCodeAt(10)
  if (t !== 0x54 /* T */ && t !== 0x74 /* t */) return false
  if (text.charCodeAt(13) !== 0x3a /* : */ || text.charCodeAt(16) !== 0x3a) return false
  const hi = twoDigits(text, 0)
  const lo = twoDigits(text, 2)
  const month = twoDigits(text, 5)
  const day = twoDigits(text, 8)
  if (hi < 0 || lo < 0 || month < 1 || month > 12 || day < 1) return false
  if (day > (month === 2 && leap(hi * 100 + lo) ? 29 : DAYS[month]!)) return false
  const hour = twoDigits(text, 11)
  const minute = twoDigits(text, 14)
  const second = twoDigits(text, 17)
  // A leap second (60) is left to typebox, which checks it falls on 23:59 UTC.
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false
  let i = 19
  if (text.charCodeAt(i) === 0x2e /* . */) {
    i++
    if (digit(text, i) < 0) return false
    while (i < n && digit(text, i) >= 0) i++
  }
  const zone = text.charCodeAt(i)
  if (zone === 0x5a /* Z */ || zone === 0x7a /* z */) return i + 1 === n
  if (zone !== 0x2b /* + */ && zone !== 0x2d /* - */) return false
  if (i + 6 !== n || text.charCodeAt(i + 3) !== 0x3a) return false
  const zh = twoDigits(text, i + 1)
  const zm = twoDigits(text, i + 4)
  return zh >= 0 && zh <= 23 && zm >= 0 && zm <= 59
}

/**
 * The `date-time` format check of a tap's schema: exactly typebox's `IsDateTime` (RFC 3339,
 * optional RFC 9557 suffix), with the usual form accepted by a single character scan first.
 * Everything that scan does not accept goes to `IsDateTime`, so the two never disagree.
 */
export function isDateTime(value: string): boolean {
  return isPlainDateTime(value) || IsDateTime(value)
}
