import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node24',
  dts: true,
  sourcemap: true,
  clean: true,
  esbuildPlugins: [
    {
      // src/index.ts reads its name and version from package.json. dist/ loads the file at
      // run time (dist/ sits next to src/, so '../package.json' still points at it) instead
      // of bundling the whole manifest into the code.
      name: 'package-json-at-run-time',
      setup: (build) =>
        build.onResolve({ filter: /^\.\.\/package\.json$/ }, (args) => ({ path: args.path, external: true })),
    },
  ],
})
