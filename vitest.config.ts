import { readFileSync } from 'node:fs'
import { defineConfig } from 'vitest/config'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * The comment that marks a test file as one of the suite's long poles, with its time in
 * seconds in a CI run (three files at a time on the 2-core machine): `@long-pole 365`.
 */
const LONG_POLE = /@long-pole (\d+)/

/**
 * Vitest's order runs projects one after another (by name) and, without a cache (a fresh CI
 * clone), larger files first, so the end-to-end files, which take minutes, started last and
 * the whole run waited for them alone. Files marked `@long-pole` near their top start first,
 * the longest first (the two of five and six minutes started four minutes into a run while
 * ninety-second ones went before them); the rest keep vitest's order and fill in behind.
 * The sandbox's long files are left unmarked on purpose: they check time limits, and next to
 * the two npm installs and builds of the first minutes a batch's wall time ran out.
 */
class LongPolesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const weight = new Map(
      sorted.map((spec) => [
        spec,
        Number(LONG_POLE.exec(readFileSync(spec.moduleId, 'utf8').slice(0, 4000))?.[1] ?? 0),
      ]),
    )
    const long = sorted.filter((spec) => weight.get(spec)! > 0)
    long.sort((a, b) => weight.get(b)! - weight.get(a)!)
    return [...long, ...sorted.filter((spec) => weight.get(spec) === 0)]
  }
}

// `npm test` at the root runs every workspace's own vitest config (each merges vitest.shared.ts).
export default defineConfig({
  test: {
    projects: ['packages/*', 'connectors/*', 'create-connector', 'test'],
    sequence: { sequencer: LongPolesFirst },
  },
})
