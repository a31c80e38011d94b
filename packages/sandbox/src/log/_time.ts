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

/** Month number (`'01'`..`'12'`) for `Jan`..`Dec`, or undefined. */
export const monthNumber = (name: string): string | undefined =>
  Object.hasOwn(MONTHS, name) ? MONTHS[name] : undefined

const HTTP_DATE_RE = /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}$/
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/

/**
 * An access-log time to ISO 8601 with its offset kept:
 * `10/Oct/2000:13:55:36 -0700` → `2000-10-10T13:55:36-07:00`. An ISO time (nginx
 * `$time_iso8601`) passes through. Anything else is undefined.
 */
export function httpDate(text: string): string | undefined {
  if (HTTP_DATE_RE.test(text)) {
    const month = monthNumber(text.slice(3, 6))
    if (month === undefined) return undefined
    return `${text.slice(7, 11)}-${month}-${text.slice(0, 2)}T${text.slice(12, 20)}${text.slice(21, 24)}:${text.slice(24, 26)}`
  }
  return ISO_RE.test(text) ? text : undefined
}

/** `2` → `'02'`. */
export const pad2 = (day: string): string => (day.length === 1 ? `0${day}` : day)

/** Whether `yyyy-mm-dd` names a real calendar day. */
export function validDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!
  return day <= days
}
