import { defineProject, mergeConfig } from 'vitest/config'
import { reusedWorkers, shared } from '../vitest.shared.ts'

// templates/ holds test files for generated packages: they run there (see test/ at the root).
export default mergeConfig(
  mergeConfig(shared, reusedWorkers),
  defineProject({ test: { name: '@patchbay/create-connector', include: ['test/**/*.test.ts'] } }),
)
