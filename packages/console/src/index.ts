import { fileURLToPath } from 'node:url'

/**
 * The folder of the built console page (index.html and assets/), which the gateway serves
 * at /console. Built by `npm run build` (Vite); the page's own code is in web/.
 *
 * @example
 * import { consoleAssetsDir } from '@patchbay/console'
 * readFileSync(join(consoleAssetsDir, 'index.html'))
 */
export const consoleAssetsDir: string = fileURLToPath(new URL('../dist/web/', import.meta.url))

export {
  type ConsoleRecord,
  ConsoleRecordSchema,
  type DeadLetterView,
  DeadLetterViewSchema,
  type DestinationOutcome,
  DestinationOutcomeSchema,
  type DestinationStatus,
  DestinationStatusSchema,
  type LookupResult,
  LookupResultSchema,
  type Overview,
  OverviewSchema,
  type StepSnapshot,
  StepSnapshotSchema,
  type StoredMatch,
  StoredMatchSchema,
  type StoredState,
  StoredStateSchema,
} from './wire.ts'
