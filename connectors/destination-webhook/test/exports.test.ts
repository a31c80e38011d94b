import { readFileSync } from 'node:fs'
import { isPlugin } from '@patchbay/core'
import { expect, it } from 'vitest'
import * as api from '../src/index.ts'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

// A change to the public API shows up here in review: update the snapshot deliberately.
it('exports a stable public API', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "DEFAULT_TOLERANCE_SEC",
      "MESSAGE_ID_HEADER",
      "SIGNATURE_HEADER",
      "WebhookConfigSchema",
      "createWebhookDestination",
      "default",
      "signPayload",
      "signRequest",
      "verifyRequest",
      "verifySignature",
    ]
  `)
})

it('default-exports the destination plugin, with its manifest from package.json', () => {
  const plugin = api.default
  expect(isPlugin(plugin)).toBe(true)
  expect(plugin).toMatchObject({
    name: pkg.name,
    version: pkg.version,
    kind: 'destination',
    title: 'Webhook',
  })
  expect(plugin.supports).toEqual(['track', 'identify', 'page', 'screen', 'group', 'alias'])
  // The registry reads this before importing the code, and refuses a mismatch.
  expect(pkg.patchbay).toEqual({ kind: 'destination', apiVersion: plugin.apiVersion })
})
