/** What the gateway sends (see packages/server/src/console/_records.ts). */
export type DestinationStatus =
  | 'queued'
  | 'in_flight'
  | 'retrying'
  | 'delivered'
  | 'dropped'
  | 'dead_letter'
  | 'not_routed'

export interface DestinationOutcome {
  status: DestinationStatus
  attempts: number
  nextAt?: number
  error?: string
  reason?: string
  output?: unknown
  exchanges?: unknown[]
  updatedAt: number
}

export interface ConsoleRecord {
  id: number
  sourceId: string
  messageId: string
  type: string
  name?: string
  userId?: string
  anonymousId?: string
  receivedAt: number
  event: unknown
  destinations: Record<string, DestinationOutcome>
}

export interface DeadLetter {
  id: number
  destinationId: string
  messageId: string
  payload: unknown
  step: 'transformations' | 'delivery'
  sourceId?: string
  attempts: number
  reason: string
  createdAt: number
  abortedAt: number
}

export interface Overview {
  sources: string[]
  destinations: string[]
  transformations: string[]
  recentCapacity: number
  liveEventsPerSecond: number
}
