export type { ParseResult } from './_result.ts'
export { type ApacheErrorFields, type ApacheLogFormat, parseApacheLog } from './apache-log.ts'
export {
  type CombinedLogFields,
  type CommonLogFields,
  parseCombinedLog,
  parseCommonLog,
} from './common-log.ts'
export {
  compileGrok,
  GROK_MAX_SEARCH_LENGTH,
  GROK_PATTERN_NAMES,
  type GrokFields,
  type GrokMatcher,
  type GrokOptions,
  parseGrok,
} from './grok.ts'
export { parseJsonLine } from './json-line.ts'
export { type KeyValueFields, type KeyValueOptions, parseKeyValue, parseLogfmt } from './key-value.ts'
export {
  type NginxCombinedFields,
  type NginxErrorFields,
  type NginxLogFormat,
  parseNginxLog,
} from './nginx-log.ts'
export { parseSyslog, type SyslogFields, type SyslogOptions, type SyslogStructuredData } from './syslog.ts'
