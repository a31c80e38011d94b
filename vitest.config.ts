import { defineConfig } from 'vitest/config'

// `npm test` at the root runs every workspace's own vitest config.
export default defineConfig({
  test: {
    projects: ['packages/*', 'connectors/*', 'create-connector', 'test'],
  },
})
