import '../error-codes.ts'
import { Value } from 'typebox/value'
import { IngestError } from '../ingest/_http.ts'
import type { Regulation, Store } from '../store/store.ts'
import type { DeliveryGate } from './_delivery-gate.ts'
import type { Suppression } from './_suppression.ts'
import { NewRegulationBodySchema } from './regulation-schema.ts'

export interface RegulationServiceOptions {
  store: Pick<Store, 'regulations'>
  suppression: Suppression
  gate: DeliveryGate
  /** Every destination of the pipeline, and whether it can delete users. */
  destinations: ReadonlyArray<{ id: string; deletes: boolean }>
  /** Trait names a regulation may use besides userId and anonymousId. */
  traits: readonly string[]
  /** A deletion job was queued (wakes the deletion worker). */
  onDeletions?: () => void
}

export interface RegulationService {
  /** Validates, stores and applies a regulation; resolves once no delivery on this node can send the users' events. */
  create(body: unknown): Promise<Regulation>
  list(options?: { limit?: number; beforeId?: number }): Promise<Regulation[]>
  get(id: number): Promise<Regulation | undefined>
  remove(id: number): Promise<boolean>
}

const invalid = (message: string, extra: Record<string, unknown> = {}) =>
  new IngestError(400, 'PB_GATEWAY_REGULATION_INVALID', message, extra)

/**
 * Regulations as the gateway applies them: stored durably (queued jobs and dead letters of
 * the users purged in the same transaction), put in this node's suppression set at once, and
 * answered only after the deliveries already running here have ended, so that nothing of the
 * users is delivered after the answer. Other nodes apply it within `regulations.refreshMs`.
 */
export function createRegulationService(options: RegulationServiceOptions): RegulationService {
  const allowed = new Set(['userId', 'anonymousId', ...options.traits])
  return {
    async create(body) {
      if (!Value.Check(NewRegulationBodySchema, body)) {
        const [issue] = Value.Errors(NewRegulationBodySchema, body)
        throw invalid(
          `the regulation is invalid at ${issue?.instancePath || '/'}: ${issue?.message ?? 'invalid'}. Send { "type": "suppress" | "suppress_with_delete", "identifiers": [{ "type": "userId", "value": "..." }] }`,
          { field: issue?.instancePath ?? '' },
        )
      }
      const unknown = body.identifiers.find((i) => !allowed.has(i.type))
      if (unknown)
        throw invalid(
          `identifier type "${unknown.type}" is not one this gateway reads: use ${[...allowed].join(', ')}, or add the trait to the gateway option regulations.traits (and restart)`,
          { field: '/identifiers' },
        )
      const identifiers = [
        ...new Map(
          body.identifiers.map((i) => [`${i.type}\u0000${i.value}`, { type: i.type, value: i.value }]),
        ).values(),
      ]
      const deleting = body.type === 'suppress_with_delete'
      const regulation = await options.store.regulations.create(
        {
          type: body.type,
          identifiers,
          deleteAt: deleting ? options.destinations.filter((d) => d.deletes).map((d) => d.id) : [],
          cannotDelete: deleting ? options.destinations.filter((d) => !d.deletes).map((d) => d.id) : [],
        },
        Date.now(),
      )
      options.suppression.add(identifiers)
      // Deliveries that started before the users were in the set may still send their events: wait them out.
      await options.gate.drain()
      if (deleting) options.onDeletions?.()
      return regulation
    },
    list: (o) => options.store.regulations.list(o),
    get: (id) => options.store.regulations.get(id),
    async remove(id) {
      const removed = await options.store.regulations.remove(id, Date.now())
      if (removed) await options.suppression.reload()
      return removed
    },
  }
}
