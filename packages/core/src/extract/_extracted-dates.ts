/**
 * The `date-time`, `date` and `time` formats as extractors write them. JSON Schema's formats
 * are RFC 3339's, which every extractor framework bends: Airbyte declares
 * `timestamp_without_timezone` and `time_without_timezone` (no offset) under `date-time` and
 * `time`; Meltano Singer SDK releases have written a `date` column as
 * `2026-01-02T00:00:00+00:00` and a `time` column as Python prints it (`10:00:00.123456`);
 * Python's `str()` of a timestamp has a space for the `T`; PostgreSQL's text has `+05` for an
 * offset. Singer's and Airbyte's own
 * targets check the types of a record, not these formats, so such records load there. Here
 * each form is read with its calendar and clock checked, so that garbage (`yesterday`,
 * `2026-02-30`, `25:00:00`) is still refused.
 *
 * Grammar (each part checked for range; February 29 only in leap years):
 *
 *     date-time = date ("T" / "t" / " ") clock [zone] [" BC"]
 *     date      = YYYY "-" MM "-" DD
 *     clock     = HH ":" MM ":" SS ["." 1*DIGIT]      ; SS up to 60 (a leap second)
 *     zone      = "Z" / "z" / ("+" / "-") HH [[":"] MM]
 *
 * The `date` format takes a date (with an optional " BC") or a date-time; `time` takes a
 * clock with an optional zone.
 */

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

/** True when `YYYY-MM-DD` at `i` is a calendar date. */
function dateAt(text: string, i: number): boolean {
  if (text.charCodeAt(i + 4) !== 0x2d /* - */ || text.charCodeAt(i + 7) !== 0x2d) return false
  const hi = twoDigits(text, i)
  const lo = twoDigits(text, i + 2)
  const month = twoDigits(text, i + 5)
  const day = twoDigits(text, i + 8)
  if (hi < 0 || lo < 0 || month < 1 || month > 12 || day < 1) return false
  return day <= (month === 2 && leap(hi * 100 + lo) ? 29 : DAYS[month]!)
}

/**
 * Where `HH:MM:SS[.fraction]` starting at `i` ends, or -1 when there is none. The seconds
 * may be 60 (a leap second).
 */
function clockEnd(text: string, i: number): number {
  if (text.charCodeAt(i + 2) !== 0x3a /* : */ || text.charCodeAt(i + 5) !== 0x3a) return -1
  const hour = twoDigits(text, i)
  const minute = twoDigits(text, i + 3)
  const second = twoDigits(text, i + 6)
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return -1
  let end = i + 8
  if (text.charCodeAt(end) === 0x2e /* . */) {
    end++
    if (digit(text, end) < 0) return -1
    while (digit(text, end) >= 0) end++
  }
  return end
}

/** Where an optional zone starting at `i` ends (`i` when there is none), or -1 when it is malformed. */
function zoneEnd(text: string, i: number): number {
  const c = text.charCodeAt(i)
  if (c === 0x5a /* Z */ || c === 0x7a /* z */) return i + 1
  if (c !== 0x2b /* + */ && c !== 0x2d /* - */) return i
  const hours = twoDigits(text, i + 1)
  if (hours < 0 || hours > 23) return -1
  let end = i + 3
  if (text.charCodeAt(end) === 0x3a /* : */) end++
  if (end === i + 4 || digit(text, end) >= 0) {
    const minutes = twoDigits(text, end)
    if (minutes < 0 || minutes > 59) return -1
    end += 2
  }
  return end
}

/** True when `text` ends at `i`, or at `i` followed by " BC" where an era is allowed. */
const endsAt = (text: string, i: number, era: boolean) =>
  i === text.length || (era && i + 3 === text.length && text.endsWith(' BC'))

/** A date-time as extractors write it (see the grammar above). */
export function isExtractedDateTime(text: string): boolean {
  if (text.length < 19 || !dateAt(text, 0)) return false
  const t = text.charCodeAt(10)
  if (t !== 0x54 /* T */ && t !== 0x74 /* t */ && t !== 0x20 /* space */) return false
  const clock = clockEnd(text, 11)
  if (clock < 0) return false
  const zone = zoneEnd(text, clock)
  return zone >= 0 && endsAt(text, zone, true)
}

/** A date (`YYYY-MM-DD`, optionally " BC"), or a date-time (the Singer SDK's form of a date). */
export function isExtractedDate(text: string): boolean {
  if (text.length >= 19) return isExtractedDateTime(text)
  return text.length >= 10 && dateAt(text, 0) && endsAt(text, 10, true)
}

/** A time of day with an optional zone: `10:00:00`, `10:00:00.123456`, `10:00:00+05:30`. */
export function isExtractedTime(text: string): boolean {
  const clock = clockEnd(text, 0)
  if (clock < 0) return false
  const zone = zoneEnd(text, clock)
  return zone >= 0 && endsAt(text, zone, false)
}

/**
 * A record's date-time or date as an event `timestamp` (RFC 3339, which the protocol
 * requires): the `T` for a space, `Z` for no offset (a time with no zone is read as UTC, as
 * the Singer SDK does), `+05:00` for `+05` or `+0500`, and midnight UTC for a date alone.
 * Anything else (RFC 3339 already, a date before the common era, not a date at all) is
 * returned as it is, for the protocol's check to accept or refuse.
 */
export function eventTimestamp(text: string): string {
  if (text.length === 10 && isExtractedDate(text)) return `${text}T00:00:00Z`
  if (!isExtractedDateTime(text) || text.endsWith(' BC')) return text
  const clock = clockEnd(text, 11)
  const zone = text.slice(clock)
  let offset: string
  if (zone === '') offset = 'Z'
  else if (zone.length === 3) offset = `${zone}:00`
  else if (zone.length === 5) offset = `${zone.slice(0, 3)}:${zone.slice(3)}`
  else offset = zone
  return `${text.slice(0, 10)}T${text.slice(11, clock)}${offset}`
}
