import Type, { type Static } from 'typebox'

/** Where user code may send `fetch` requests. Without it, fetch is refused. */
export const SandboxFetchSchema = Type.Object(
  {
    allow: Type.Array(Type.String({ minLength: 1 }), {
      description:
        'Hosts user code may fetch from: `api.example.com`, `*.example.com` (any subdomain), or an IP address, each optionally with `:port`. Without a port only the default port of http (80) and https (443) is allowed.',
    }),
    timeoutMs: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Per request, headers and body together (default 5000).' }),
    ),
    maxResponseBytes: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Largest response body handed to user code (default 1 MiB).' }),
    ),
    maxConcurrent: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'Requests of one batch in flight at once; more wait their turn (default 8). A worker runs one batch at a time, so a sandbox has at most poolSize × this many.',
      }),
    ),
    maxRequests: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Requests one batch may make in all (default 1000).' }),
    ),
    maxBatchResponseBytes: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Response bytes one batch may read over all its requests (default 8 MiB).',
      }),
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
    batchOutputLimitBytes: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Largest output of one whole batch, as JSON characters (default 16 MiB).',
      }),
    ),
    batchOutputLimitValues: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'Most objects, arrays and strings (keys included) the output of one whole batch may hold; numbers, booleans and null do not count. They are what decoding the output costs the host (default 500,000).',
      }),
    ),
    maxFanOut: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'Most events one input may turn into (transformEvent), or a batch may return per input (transformBatch) (default 100).',
      }),
    ),
    logLimitBytes: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'Log characters kept per batch, each entry costing 64 more (default 64 KiB).',
      }),
    ),
    maxLogEntries: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Log entries kept per batch (default 1000).' }),
    ),
    workerMemoryMb: Type.Optional(
      Type.Integer({
        minimum: 64,
        description:
          'Resident memory a sandbox worker process may use before it is killed, in MB (default 256 + 2 × memoryLimitMb per transform it holds).',
      }),
    ),
    poolSize: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'Sandbox worker processes; each runs one batch at a time, so this many batches run in parallel (default 2).',
      }),
    ),
    fetch: Type.Optional(SandboxFetchSchema),
  },
  { additionalProperties: false },
)
export type SandboxSettings = Static<typeof SandboxSettingsSchema>
