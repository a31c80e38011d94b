/** What the gateway sends: the wire types of src/wire.ts (types only: nothing of TypeBox reaches the page). */
export type {
  ConsoleRecord,
  DeadLetterView as DeadLetter,
  DestinationOutcome,
  DestinationStatus,
  Overview,
} from '../src/wire.ts'
