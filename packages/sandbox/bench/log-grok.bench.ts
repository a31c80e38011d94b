import { defineBench, measureRate } from '../../../test/bench/_harness.ts'
import { compileGrok } from '../src/log/index.ts'
import { NGINX_LINES } from './_nginx-lines.ts'

const BATCH = 1000
const lines = Array.from({ length: BATCH }, (_, i) => NGINX_LINES[i % NGINX_LINES.length]!)
const anchored = compileGrok('^%{COMBINEDAPACHELOG}$')
const unanchored = compileGrok('%{COMBINEDAPACHELOG}')
/** The hostile shape: 32 KiB of dotted labels, which HOSTNAME extends from every position. */
const hostile = 'a.'.repeat(16 * 1024)

export default defineBench([
  {
    name: 'log.grok.combined.anchored.in-process',
    unit: 'lines/s',
    description: 'compileGrok("^%{COMBINEDAPACHELOG}$").parse on realistic access lines, one core',
    measure: () =>
      measureRate(() => {
        for (const line of lines) if (!anchored.parse(line).ok) throw new Error('bench line did not parse')
        return BATCH
      }),
  },
  {
    name: 'log.grok.combined.unanchored.in-process',
    unit: 'lines/s',
    description: 'the same lines with the unanchored %{COMBINEDAPACHELOG} (Logstash style)',
    measure: () =>
      measureRate(() => {
        for (const line of lines) if (!unanchored.parse(line).ok) throw new Error('bench line did not parse')
        return BATCH
      }),
  },
  {
    name: 'log.grok.hostile-32k.anchored.in-process',
    unit: 'lines/s',
    description: 'a 32 KiB hostile line (a.a.a...) with ^%{COMBINEDAPACHELOG}$: one linear attempt',
    measure: () =>
      measureRate(() => {
        for (let i = 0; i < 10; i++) if (anchored.parse(hostile).ok) throw new Error('hostile line matched')
        return 10
      }),
  },
])
