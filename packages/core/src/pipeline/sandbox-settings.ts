import Type, { type Static } from 'typebox'

/** Where user code may send `fetch` requests. Without it, fetch is refused. */
export const SandboxFetchSchema = Type.Object(
  {
    allow: Type.Array(Type.String({ minLength: 1 }), {
      description:
        'Hosts user code may fetch from: `api.example.com`, `*.example.com` (any subdomain), or an IP address.',
    }),
    timeoutMs: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Per request, headers and body together (default 5000).' }),
    ),
    maxResponseBytes: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Largest response body handed to user code (default 1 MiB).' }),
    ),
  },
  { additionalProperties: false },
)

/**
 * The pipeline file's `sandbox:` block: limits and fetch access for user-code (`code:`)
 * transformations. Defaults live in @patchbay/sandbox (128 MB, 1000 ms CPU, 10 s wall time).
 */
export const SandboxSettingsSchema = Type.Object(
  {
    memoryLimitMb: Type.Optional(
      Type.Integer({ minimum: 8, description: 'Heap limit of each isolate, in MB (default 128).' }),
    ),
    cpuTimeMs: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Longest synchronous stretch of user code per batch, in ms (default 1000).',
      }),
    ),
    wallTimeMs: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'Longest a batch may take, awaited promises and fetches included, in ms (default 10000).',
      }),
    ),
    outputLimitBytes: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Largest output of one input event, as JSON characters (default 1 MiB).',
      }),
    ),
    logLimitBytes: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Log characters kept per batch (default 64 KiB).' }),
    ),
    poolSize: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Most isolates kept warm; more only help transforms that await fetch (default 2).',
      }),
    ),
    fetch: Type.Optional(SandboxFetchSchema),
  },
  { additionalProperties: false },
)
export type SandboxSettings = Static<typeof SandboxSettingsSchema>
