import {
  ConfigurationError,
  EgressPolicySchema,
  SandboxFetchSchema,
  SandboxSettingsSchema,
} from '@patchbay/core'
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'

export { SandboxFetchSchema }

/** Settings of a sandbox: the pipeline's `sandbox:` block plus the egress policy for fetch. */
export const SandboxOptionsSchema = Type.Object(
  { ...SandboxSettingsSchema.properties, egress: Type.Optional(EgressPolicySchema) },
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
