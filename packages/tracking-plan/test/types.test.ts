import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { generateTypes, loadPlanFile } from '../src/index.ts'

const run = promisify(execFile)
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
// Inside the package, so the SDKs resolve from its node_modules like a user's project.
const dir = mkdtempSync(join(import.meta.dirname, '.types-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const usage = (call: string) => `
import { Analytics } from '@segment/analytics-node'
import RudderAnalytics from '@rudderstack/rudder-sdk-node'
import { createTracking } from './tracking.ts'

const segment = createTracking(new Analytics({ writeKey: 'k' }))
const rudder = createTracking(new RudderAnalytics('k', { dataPlaneUrl: 'http://127.0.0.1:1' }))
for (const tracking of [segment, rudder]) {
  ${call}
}
`

/** Type-checks the files in one tsc run (it is slow to start); returns its output. */
async function typecheck(files: Record<string, string>): Promise<string> {
  for (const [name, code] of Object.entries(files)) writeFileSync(join(dir, `${name}.ts`), code)
  const options = {
    strict: true,
    noEmit: true,
    module: 'nodenext',
    target: 'es2022',
    allowImportingTsExtensions: true,
    skipLibCheck: true,
  }
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: options, files: Object.keys(files).map((f) => `${f}.ts`) }),
  )
  try {
    await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')])
    return ''
  } catch (error) {
    return String((error as { stdout?: string }).stdout)
  }
}

describe('generateTypes', () => {
  it('generates typed functions that compile over both SDKs, and refuse a wrong call', async () => {
    const code = await generateTypes(loadPlanFile(join(import.meta.dirname, 'fixtures/shop.plan.yaml')).plan)
    expect(code).toContain(
      'orderCompleted(call: Identity & CallOptions & { properties: OrderCompletedProperties }): void',
    )
    expect(code).toContain("currency?: 'EUR' | 'USD'")
    writeFileSync(join(dir, 'tracking.ts'), code)
    const output = await typecheck({
      good: usage(`tracking.orderCompleted({ userId: 'u-1', properties: { order_id: 'o-1', total: 30, currency: 'EUR' } })
  tracking.productViewed({ anonymousId: 'a-1', properties: { sku: 'a' } })
  tracking.identify({ userId: 'u-1', traits: { email: 'ada@example.com' } })
  tracking.page({ anonymousId: 'a-1', name: 'Home', properties: { path: '/' } })`),
      'wrong-type': usage(
        `tracking.orderCompleted({ userId: 'u-1', properties: { order_id: 'o-1', total: '30' } })`,
      ),
      missing: usage(`tracking.orderCompleted({ userId: 'u-1', properties: { total: 30 } })`),
      'bad-enum': usage(
        `tracking.orderCompleted({ userId: 'u-1', properties: { order_id: 'o', total: 1, currency: 'GBP' } })`,
      ),
      'no-identity': usage(`tracking.orderCompleted({ properties: { order_id: 'o', total: 1 } })`),
      misspelt: usage(`tracking.orderComplete({ userId: 'u', properties: { order_id: 'o', total: 1 } })`),
    })
    const errors = (file: string) =>
      output.split('\n').filter((line) => line.includes(`/${file}.ts(`) || line.startsWith(`${file}.ts(`))
    expect(errors('good')).toEqual([])
    expect(errors('tracking')).toEqual([])
    expect(errors('wrong-type').join('\n')).toMatch(
      /error TS2322: Type 'string' is not assignable to type 'number'/,
    )
    expect(errors('missing').join('\n')).toMatch(/error TS2741: Property 'order_id' is missing/)
    expect(errors('bad-enum').join('\n')).toMatch(/error TS2322: Type '"GBP"' is not assignable/)
    expect(errors('no-identity')).not.toEqual([])
    expect(errors('misspelt').join('\n')).toMatch(/Property 'orderComplete' does not exist/)
  }, 120_000)
})
