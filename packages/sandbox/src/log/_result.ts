/** What every parser returns: the parsed fields, or why the line did not match. Never throws. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string }

export const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value })
export const fail = (error: string): ParseResult<never> => ({ ok: false, error })

const MONTHS: Record<string, string> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
}

/** `10/Oct/2000:13:55:36 -0700` → `2000-10-10T13:55:36-07:00` (the offset is kept). */
export function httpDate(text: string): string | undefined {
  const m = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}:\d{2}:\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text)
  const month = m && MONTHS[m[2]!]
  if (!m || !month) return undefined
  return `${m[3]}-${month}-${m[1]}T${m[4]}${m[5]}${m[6]}:${m[7]}`
}

/** `Oct  5 14:02:01` (no year) → ISO with the given year, no offset (local time of the logger). */
export function syslogDate(month: string, day: string, time: string, year: number): string | undefined {
  const mm = MONTHS[month]
  if (!mm) return undefined
  return `${year}-${mm}-${day.trim().padStart(2, '0')}T${time}`
}

/** Month number for `Jan`..`Dec`, for parsers that build ISO dates. */
export const monthNumber = (name: string): string | undefined => MONTHS[name]

/** `-` means absent in access logs. */
export const present = (value: string | undefined): string | undefined =>
  value === undefined || value === '-' ? undefined : value

/** Un-escapes `\"` and `\\` inside a quoted access-log field. */
export const unquote = (value: string): string =>
  value.includes('\\') ? value.replace(/\\(["\\])/g, '$1') : value
