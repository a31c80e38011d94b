import type { ClientDeliverer } from '../delivery/client-deliverer.ts'
import type { PatchbayError } from '../errors/patchbay-error.ts'
import type { HttpRequest } from '../http/http-request.ts'
import { runtimeServices } from '../plugin/manifest.ts'
import type { UserIdentifier } from '../privacy/user-identifier.ts'
import { deepFreeze } from './_freeze.ts'
import { asStepError } from './_plugin-transformation.ts'
import type { EngineDeliverer, PreparedDestination } from './_steps.ts'

/** How a destination's deletion of users went. Errors are redacted like outcomes. */
export type DeletionOutcome =
  /** `requests`: HTTP requests sent (0 for a client destination, which deletes through its client). */
  | { status: 'done'; requests: number }
  | { status: 'unsupported' }
  | {
      status: 'failed'
      error: { code: string; message: string; retryable: boolean; retryAfterMs?: number }
    }

function failed(error: PatchbayError, dest: PreparedDestination): DeletionOutcome {
  const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs
  return {
    status: 'failed',
    error: {
      code: error.code,
      message: dest.redactor.string(error.message),
      retryable: error.family === 'retryable',
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
  }
}

/**
 * Runs a destination's `deleteUsers` hook and sends what it returns, in order, with the
 * destination's deliverer (its retry policy, or one attempt in the gateway, which retries
 * durably), egress rules and response handling. The first request that fails fails the
 * deletion; a retry sends every request again, so they must be idempotent (deletions are).
 */
export async function deleteUsersAt(
  dest: PreparedDestination,
  deliverer: EngineDeliverer,
  identifiers: readonly UserIdentifier[],
): Promise<DeletionOutcome> {
  const hook = dest.plugin.deleteUsers
  if (!hook) return { status: 'unsupported' }
  const ctx = { ...runtimeServices, config: dest.config, logger: dest.logger, plugin: dest.source }
  let requests: HttpRequest[]
  try {
    const out = await hook(
      deepFreeze(identifiers.map((i) => ({ type: i.type, value: i.value }))),
      ctx as never,
    )
    requests = out === null || out === undefined ? [] : Array.isArray(out) ? out : [out]
    for (const r of requests)
      if (typeof r?.method !== 'string' || !/^https?:\/\//.test(String(r?.url)))
        throw new Error(`deleteUsers returned a request without a method and an absolute http(s) URL`)
  } catch (cause) {
    return failed(asStepError(cause, { plugin: dest.source, step: `${dest.label}.deleteUsers` }), dest)
  }
  const handleResponse = dest.plugin.handleResponse
    ? (response: Parameters<NonNullable<typeof dest.plugin.handleResponse>>[0], request: HttpRequest) => {
        const verdict = dest.plugin.handleResponse!(response, { ...ctx, request, events: 0 } as never)
        return Array.isArray(verdict) ? 'delivered' : verdict
      }
    : undefined
  for (const request of requests) {
    const result = await deliverer.deliver(request, handleResponse ? { handleResponse } : undefined)
    if (result.status === 'failed') return failed(result.error!, dest)
  }
  return { status: 'done', requests: requests.length }
}

/**
 * Runs a client destination's `deleteUsers` hook (plugin API 3) with its long-lived client:
 * the hook deletes through it, retried like a batch (one attempt in the gateway).
 */
export async function deleteUsersWithClient(
  dest: PreparedDestination,
  deliverer: ClientDeliverer,
  identifiers: readonly UserIdentifier[],
): Promise<DeletionOutcome> {
  if (!dest.plugin.deleteUsers) return { status: 'unsupported' }
  const error = await deliverer.deleteUsers(
    deepFreeze(identifiers.map((i) => ({ type: i.type, value: i.value }))),
  )
  return error ? failed(error, dest) : { status: 'done', requests: 0 }
}
