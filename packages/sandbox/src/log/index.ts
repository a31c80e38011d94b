export type { ParseResult } from './_result.ts'
export {
  type CombinedLogFields,
  type CommonLogFields,
  parseCombinedLog,
  parseCommonLog,
} from './access-log.ts'
export { type ApacheErrorFields, parseApacheLog } from './apache-log.ts'
export { compileGrok, GROK_PATTERN_NAMES, type GrokMatcher, parseGrok } from './grok.ts'
export { type KeyValueOptions, parseJsonLine, parseKeyValue, parseLogfmt } from './key-value.ts'
export { type NginxErrorFields, parseNginxLog } from './nginx-log.ts'
export { parseSyslog, type SyslogFields } from './syslog.ts'
