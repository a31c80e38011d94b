import type {
  DeletionRecord,
  DeletionStatus,
  Regulation,
  RegulationIdentifier,
  RegulationType,
} from './store.ts'

/**
 * The fields of a stored event that an identifier type is read from: `userId` and
 * `anonymousId` at the top, any other type as a trait (`traits.<type>`, `context.traits.<type>`).
 * The same rule as core's `identifiersOf`, which ingest uses.
 */
export function pathsOf(type: string): string[][] {
  if (type === 'userId' || type === 'anonymousId') return [[type]]
  return [
    ['traits', type],
    ['context', 'traits', type],
  ]
}

/** Identifiers grouped by type: one predicate per type, with every value of that type. */
export function byType(identifiers: readonly RegulationIdentifier[]): Map<string, string[]> {
  const groups = new Map<string, string[]>()
  for (const { type, value } of identifiers) {
    const values = groups.get(type) ?? []
    values.push(value)
    groups.set(type, values)
  }
  return groups
}

export function toDeletion(row: Record<string, unknown>): DeletionRecord {
  return {
    id: Number(row.id),
    regulationId: Number(row.regulation_id),
    destinationId: row.destination_id as string,
    status: row.status as DeletionStatus,
    attempts: Number(row.attempts),
    reason: (row.reason as string | null) ?? null,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}

export function toRegulation(row: Record<string, unknown>, deletions: DeletionRecord[]): Regulation {
  return {
    id: Number(row.id),
    type: row.type as RegulationType,
    identifiers: JSON.parse(row.identifiers as string) as RegulationIdentifier[],
    createdAt: Number(row.created_at),
    removedAt: row.removed_at === null || row.removed_at === undefined ? null : Number(row.removed_at),
    purged: { jobs: Number(row.purged_jobs), deadLetters: Number(row.purged_dead_letters) },
    deletions,
  }
}
