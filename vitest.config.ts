import { readFileSync } from 'node:fs'
import { defineConfig } from 'vitest/config'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/** The comment that marks a test file as one of the suite's long poles. */
const LONG_POLE = '@long-pole'

/**
 * Vitest's order runs projects one after another (by name) and, without a cache (a fresh CI
 * clone), larger files first, so the end-to-end files, which take minutes, started last and
 * the whole run waited for them alone. Files marked `@long-pole` near their top start first,
 * the rest keep vitest's order.
 */
class LongPolesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const isLong = (spec: TestSpecification) =>
      readFileSync(spec.moduleId, 'utf8').slice(0, 4000).includes(LONG_POLE)
    return [...sorted.filter(isLong), ...sorted.filter((spec) => !isLong(spec))]
  }
}

// `npm test` at the root runs every workspace's own vitest config (each merges vitest.shared.ts).
export default defineConfig({
  test: {
    projects: ['packages/*', 'connectors/*', 'create-connector', 'test'],
    sequence: { sequencer: LongPolesFirst },
  },
})
