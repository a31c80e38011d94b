import { defineProject, mergeConfig } from 'vitest/config'
import { reusedWorkers, shared } from '../../vitest.shared.ts'

export default mergeConfig(
  mergeConfig(shared, reusedWorkers),
  defineProject({ test: { name: '@patchbay/source-log' } }),
)
