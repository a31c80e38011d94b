import { type HttpRequest, PatchbayError, type UserIdentifier } from '@patchbay/core'
import { assembleRequest, JSON_TYPE } from './_request.ts'
import type { WebhookConfig } from './config.ts'

/**
 * The deletion request of a regulation: `{ "type": "delete_users", "identifiers": [...] }`
 * to `deletion.url`, with the configured headers, auth and signature (signed like events,
 * so the receiver can check it came from this gateway).
 */
export function deletionRequest(
  config: WebhookConfig,
  identifiers: readonly UserIdentifier[],
  plugin: string,
  now: () => number,
): HttpRequest {
  if (!config.deletion)
    throw new PatchbayError(
      'PB_CONFIG_INVALID',
      `${plugin} has no deletion request configured, so it cannot delete users at this receiver`,
      {
        plugin,
        field: '/deletion',
        hint: 'Set `deletion: { url: https://... }` on the destination to send deletion requests.',
      },
    )
  const body = JSON.stringify({ type: 'delete_users', identifiers })
  return assembleRequest(
    { ...config, method: config.deletion.method },
    { url: config.deletion.url, eventHeaders: {}, body, contentType: JSON_TYPE },
    now,
  )
}
