/**
 * The globals a transform sees inside the sandbox, for your editor and `tsc` (types only;
 * nothing here runs). Not part of the package's compiled sources, so these globals never
 * leak into a program that merely imports `@patchbay/sandbox`. Reference it from a
 * TypeScript transform:
 *
 * @example
 * /// <reference types="@patchbay/sandbox/globals" />
 * import type { TransformEventFunction } from '@patchbay/sandbox'
 *
 * export const transformEvent: TransformEventFunction = async (event) => {
 *   const person = await lookupIdentity(`userId:${event.userId}`)
 *   return { ...event, canonicalId: person?.canonicalId }
 * }
 */
/** A person as `lookupIdentity` answers it: a frozen copy, so every part is read-only. */
export type FrozenIdentity = {
  readonly canonicalId: string
  readonly identifiers: { readonly [type: string]: readonly string[] }
}

declare global {
  /**
   * The person an identifier belongs to, from the pipeline's identity graph (read-only):
   * `type:value` (`email:ada@example.com`), a bare value, or a canonical id. Resolves to
   * undefined for an unknown id. Rejects with PB_SANDBOX_IDENTITY_DISABLED when the pipeline
   * has no `identity:` block; throws PB_SANDBOX_IDENTITY_LIMIT once the batch made 10
   * lookups per event. See docs/identity.md#in-transformations.
   */
  function lookupIdentity(id: string): Promise<FrozenIdentity | undefined>
  /** Captured per batch, like `console.log`. */
  function log(...args: unknown[]): void
  /** `fetch` that resolves to `{ url, status, headers, body }` and rejects when the request fails. */
  function fetchV2(
    url: string,
    init?: { method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<{ url: string; status: number; headers: Record<string, string>; body: unknown }>
}
