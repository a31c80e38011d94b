import './error-codes.ts'
import { type IdentitySettings, PatchbayError } from '@patchbay/core'

/** One identifier field, ready to read: its path split once. */
export interface IdentityField {
  type: string
  path: readonly string[]
  lowercase: boolean
}

/** A pipeline's `identity:` block with every default filled in. */
export interface ResolvedIdentitySettings {
  fields: readonly IdentityField[]
  externalIds: boolean
  caps: Readonly<Record<string, number>>
  /** Listed types, strongest first; unlisted types rank between `unlistedAt - 1` and `unlistedAt`. */
  priority: readonly string[]
  aliasPreviousIdType: string
  blocklist: { ids: ReadonlySet<string>; after: number }
}

export const DEFAULT_IDENTITY_FIELDS: IdentitySettings['fields'] = [
  { type: 'email', path: 'traits.email', lowercase: true },
  { type: 'email', path: 'context.traits.email', lowercase: true },
  { type: 'deviceId', path: 'context.device.id' },
]
export const DEFAULT_CAPS: Record<string, number> = { userId: 1, email: 1, anonymousId: 250 }
export const DEFAULT_PRIORITY = ['userId', 'email', '*', 'deviceId', 'anonymousId'] as const
export const DEFAULT_BLOCKLIST_AFTER = 100

/**
 * Fills in the defaults of an `identity:` block (see docs/identity.md). `priority` may hold
 * `*` for "every type not listed" (in name order); without it, unlisted types come last.
 *
 * @example
 * const settings = resolveIdentitySettings({ caps: { userId: 1, email: 2 } })
 */
export function resolveIdentitySettings(input: IdentitySettings = {}): ResolvedIdentitySettings {
  const seen = new Set<string>()
  for (const [i, type] of (input.priority ?? []).entries()) {
    if (seen.has(type))
      throw new PatchbayError('PB_IDENTITY_SETTINGS', `identity.priority[${i}] lists "${type}" twice`, {
        field: `/identity/priority/${i}`,
        hint: 'List each identifier type once, strongest first.',
      })
    seen.add(type)
  }
  const ids = new Set<string>()
  for (const entry of input.blocklist?.ids ?? []) ids.add(entry)
  return {
    fields: (input.fields ?? DEFAULT_IDENTITY_FIELDS ?? []).map((f) => ({
      type: f.type,
      path: f.path.split('.'),
      lowercase: f.lowercase ?? false,
    })),
    externalIds: input.externalIds ?? true,
    caps: { ...DEFAULT_CAPS, ...input.caps },
    priority: input.priority ?? [...DEFAULT_PRIORITY],
    aliasPreviousIdType: input.aliasPreviousIdType ?? 'anonymousId',
    blocklist: { ids, after: input.blocklist?.after ?? DEFAULT_BLOCKLIST_AFTER },
  }
}

/**
 * Ranks identifier types, strongest first (0). Listed types by their place, `*` standing for
 * every unlisted type; ties among unlisted types are broken by name wherever ranks are used.
 */
export function typeRanker(priority: readonly string[]): (type: string) => number {
  const ranks = new Map(priority.map((t, i) => [t, i]))
  const star = ranks.get('*') ?? priority.length
  return (type) => ranks.get(type) ?? star
}
