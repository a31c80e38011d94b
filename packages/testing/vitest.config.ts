import { defineProject, mergeConfig } from 'vitest/config'
import { shared } from '../../vitest.shared.ts'

// Isolated on purpose (not reusedWorkers): test/_plugins.ts holds broken plugins whose
// module-level state is what the harness must catch (brokenByClose), and a worker reused
// after checks.test.ts closed it hid the break from docs-table.test.ts.
export default mergeConfig(shared, defineProject({ test: { name: '@patchbay/testing' } }))
