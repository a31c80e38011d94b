/** What the gateway sends: the wire types of src/wire.ts (types only: nothing of TypeBox reaches the page). */
export type {
  ConsoleRecord,
  DeadLetterView as DeadLetter,
  DestinationOutcome,
  DestinationStatus,
  LookupResult,
  Overview,
  StepSnapshot,
  StoredMatch,
} from '../src/wire.ts'
