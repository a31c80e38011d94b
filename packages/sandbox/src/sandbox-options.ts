import { ConfigurationError, EgressPolicySchema } from '@patchbay/core'
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'

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
 * Settings of a sandbox. The first three are the pipeline file's `sandbox:` block; the rest
 * have defaults that suit most transforms.
 */
export const SandboxOptionsSchema = Type.Object(
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
    egress: Type.Optional(EgressPolicySchema),
  },
  { additionalProperties: false },
)
export type SandboxOptions = Static<typeof SandboxOptionsSchema>
export type SandboxFetchOptions = Static<typeof SandboxFetchSchema>

/** Options with every default filled in. */
export interface ResolvedSandboxOptions {
  memoryLimitMb: number
  cpuTimeMs: number
  wallTimeMs: number
  outputLimitBytes: number
  logLimitBytes: number
  poolSize: number
  fetch: Required<SandboxFetchOptions> | undefined
  egress: SandboxOptions['egress']
}

export const SANDBOX_DEFAULTS = {
  memoryLimitMb: 128,
  cpuTimeMs: 1000,
  wallTimeMs: 10_000,
  outputLimitBytes: 1024 * 1024,
  logLimitBytes: 64 * 1024,
  poolSize: 2,
  fetchTimeoutMs: 5000,
  fetchMaxResponseBytes: 1024 * 1024,
} as const

const check = Compile(SandboxOptionsSchema)

/** Validates sandbox options and fills in defaults; a bad option is a ConfigurationError. */
export function resolveSandboxOptions(options: SandboxOptions = {}): ResolvedSandboxOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  if (!check.Check(defined)) {
    const issue = [...check.Errors(defined)][0]
    throw new ConfigurationError(
      `sandbox option ${issue?.instancePath || '(root)'} is invalid: ${issue?.message ?? 'unknown problem'}`,
      { field: issue?.instancePath, hint: 'See docs/transformations.md#limits for the sandbox settings.' },
    )
  }
  const o = defined as SandboxOptions
  return {
    memoryLimitMb: o.memoryLimitMb ?? SANDBOX_DEFAULTS.memoryLimitMb,
    cpuTimeMs: o.cpuTimeMs ?? SANDBOX_DEFAULTS.cpuTimeMs,
    wallTimeMs: o.wallTimeMs ?? SANDBOX_DEFAULTS.wallTimeMs,
    outputLimitBytes: o.outputLimitBytes ?? SANDBOX_DEFAULTS.outputLimitBytes,
    logLimitBytes: o.logLimitBytes ?? SANDBOX_DEFAULTS.logLimitBytes,
    poolSize: o.poolSize ?? SANDBOX_DEFAULTS.poolSize,
    fetch: o.fetch && {
      allow: o.fetch.allow,
      timeoutMs: o.fetch.timeoutMs ?? SANDBOX_DEFAULTS.fetchTimeoutMs,
      maxResponseBytes: o.fetch.maxResponseBytes ?? SANDBOX_DEFAULTS.fetchMaxResponseBytes,
    },
    egress: o.egress,
  }
}
