import {
  ConfigurationError,
  EgressPolicySchema,
  SandboxFetchSchema,
  SandboxSettingsSchema,
} from '@patchbay/core'
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import { compileFetchAllow } from './_fetch-allow.ts'

export { SandboxFetchSchema }

/** Settings of a sandbox: the pipeline's `sandbox:` block plus the egress policy for fetch. */
export const SandboxOptionsSchema = Type.Object(
  {
    ...SandboxSettingsSchema.properties,
    egress: Type.Optional(EgressPolicySchema),
    spread: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('always'), Type.Literal('never')], {
        description:
          'Whether one transformEvent or transformLine batch is cut into a piece per worker: `always`, `never`, or `auto` (the default): for transformEvent only while the machine has a core to spare (1-minute load average at least one below the core count), since on a busy machine the extra crossing costs more than the parallelism wins; for transformLine always (its pieces are cut by size, so spreading is what keeps both workers busy).',
      }),
    ),
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
  batchOutputLimitBytes: number
  batchOutputLimitValues: number
  maxFanOut: number
  logLimitBytes: number
  maxLogEntries: number
  poolSize: number
  spread: 'auto' | 'always' | 'never'
  /** Resident-memory cap of a worker process; undefined: 256 MB + 2 × memoryLimitMb per transform held. */
  workerMemoryMb: number | undefined
  fetch: Required<SandboxFetchOptions> | undefined
  egress: SandboxOptions['egress']
}

export const SANDBOX_DEFAULTS = {
  memoryLimitMb: 128,
  cpuTimeMs: 1000,
  wallTimeMs: 10_000,
  outputLimitBytes: 1024 * 1024,
  batchOutputLimitBytes: 16 * 1024 * 1024,
  batchOutputLimitValues: 500_000,
  maxFanOut: 100,
  logLimitBytes: 64 * 1024,
  maxLogEntries: 1000,
  poolSize: 2,
  fetchTimeoutMs: 5000,
  fetchMaxResponseBytes: 1024 * 1024,
  fetchMaxConcurrent: 8,
  fetchMaxRequests: 1000,
  fetchMaxBatchResponseBytes: 8 * 1024 * 1024,
  /** A worker process's resident memory cap: this, plus 2 × memoryLimitMb per transform it holds. */
  workerBaseMemoryMb: 256,
  /** How long a worker may stay silent (no heartbeat, no answer) before it is replaced. */
  heartbeatTimeoutMs: 5000,
  /** How much longer than wallTimeMs the host waits for a batch before it kills the worker. */
  wallGraceMs: 2000,
  /** `lookupIdentity` calls a batch may make, per event of the batch. */
  identityLookupsPerEvent: 10,
  /** Bytes of `lookupIdentity` answers (JSON) a batch may read. */
  identityBatchBytes: 8 * 1024 * 1024,
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
  // A bad fetch.allow entry (0177.0.0.1, a range, a bad port) is refused here, not at first fetch.
  if (o.fetch) compileFetchAllow(o.fetch.allow)
  return {
    memoryLimitMb: o.memoryLimitMb ?? SANDBOX_DEFAULTS.memoryLimitMb,
    cpuTimeMs: o.cpuTimeMs ?? SANDBOX_DEFAULTS.cpuTimeMs,
    wallTimeMs: o.wallTimeMs ?? SANDBOX_DEFAULTS.wallTimeMs,
    outputLimitBytes: o.outputLimitBytes ?? SANDBOX_DEFAULTS.outputLimitBytes,
    batchOutputLimitBytes: o.batchOutputLimitBytes ?? SANDBOX_DEFAULTS.batchOutputLimitBytes,
    batchOutputLimitValues: o.batchOutputLimitValues ?? SANDBOX_DEFAULTS.batchOutputLimitValues,
    maxFanOut: o.maxFanOut ?? SANDBOX_DEFAULTS.maxFanOut,
    logLimitBytes: o.logLimitBytes ?? SANDBOX_DEFAULTS.logLimitBytes,
    maxLogEntries: o.maxLogEntries ?? SANDBOX_DEFAULTS.maxLogEntries,
    poolSize: o.poolSize ?? SANDBOX_DEFAULTS.poolSize,
    spread: o.spread ?? 'auto',
    workerMemoryMb: o.workerMemoryMb,
    fetch: o.fetch && {
      allow: o.fetch.allow,
      timeoutMs: o.fetch.timeoutMs ?? SANDBOX_DEFAULTS.fetchTimeoutMs,
      maxResponseBytes: o.fetch.maxResponseBytes ?? SANDBOX_DEFAULTS.fetchMaxResponseBytes,
      maxConcurrent: o.fetch.maxConcurrent ?? SANDBOX_DEFAULTS.fetchMaxConcurrent,
      maxRequests: o.fetch.maxRequests ?? SANDBOX_DEFAULTS.fetchMaxRequests,
      maxBatchResponseBytes: o.fetch.maxBatchResponseBytes ?? SANDBOX_DEFAULTS.fetchMaxBatchResponseBytes,
    },
    egress: o.egress,
  }
}
