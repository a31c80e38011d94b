import { readFileSync } from 'node:fs'
import { compileConfig, parsePipeline } from '@patchbay/core'
import { describe, expect, it } from 'vitest'
import { WebhookConfigSchema } from '../src/index.ts'

const pages = {
  'docs/destinations/webhook.md': new URL('../../../docs/destinations/webhook.md', import.meta.url),
  'connectors/destination-webhook/README.md': new URL('../README.md', import.meta.url),
}
const env = {
  PATCHBAY_RECEIVER_URL: 'http://127.0.0.1:8080',
  CRM_TOKEN: 'tok_docs_123456',
  WEBHOOK_SECRET: 'whsec_docs_0123456789abcdef',
}
const compiled = compileConfig(WebhookConfigSchema)

/** The pipeline examples of a page: yaml blocks with a `destinations:` list. */
function pipelines(file: URL): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .filter((y) => /^destinations:/m.test(y))
}

describe('the pipeline examples in the docs are valid', () => {
  for (const [name, file] of Object.entries(pages)) {
    it(name, () => {
      const found = pipelines(file)
      expect(found.length).toBeGreaterThan(0)
      for (const yaml of found) {
        const { definition } = parsePipeline(yaml, { file: name, env })
        const steps = definition.destinations.filter((d) =>
          d.use.startsWith('@patchbay/destination-webhook@'),
        )
        expect(steps.length).toBeGreaterThan(0)
        for (const step of steps) expect(compiled.issues(step.config), yaml).toEqual([])
      }
    })
  }
})
