// The package boundaries of docs/architecture.md, checked on every import of the packages'
// sources (`npm run boundaries`, a CI step; test/boundaries.test.ts proves each rule fires):
//
//   protocol ← core ← sandbox / testing / connectors ← cli / server
//
// Paths are relative to the repository root. A package reaches another only through its
// name (and so its exports map: the public API), never by a relative path into it.
const SRC = '^(packages|connectors)/([^/]+)/src/'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'protocol-is-the-bottom',
      comment: '@patchbay/protocol depends on no other Patchbay package.',
      severity: 'error',
      from: { path: '^packages/protocol/' },
      to: { path: '^(packages/(?!protocol/)|connectors/|create-connector/)' },
    },
    {
      name: 'core-only-on-protocol',
      comment: '@patchbay/core depends on @patchbay/protocol only.',
      severity: 'error',
      from: { path: '^packages/core/' },
      to: { path: '^(packages/(?!(core|protocol)/)|connectors/|create-connector/)' },
    },
    {
      name: 'sandbox-and-testing-below-the-hosts',
      comment:
        'sandbox, testing, tracking-plan, identity and warehouse sit on core and protocol; none knows another, a connector, the CLI or the server.',
      severity: 'error',
      from: { path: '^packages/(sandbox|testing|tracking-plan|identity|warehouse)/' },
      to: { path: '^(packages/(?!($1|core|protocol)/)|connectors/|create-connector/)' },
    },
    {
      name: 'connectors-use-core-public-api',
      comment: "Connectors use only @patchbay/core's public API (its index), and their own files.",
      severity: 'error',
      from: { path: '^connectors/([^/]+)/' },
      to: {
        path: '^(packages/|connectors/|create-connector/)',
        pathNot: ['^connectors/$1/', '^packages/core/src/index\\.ts$', '^packages/warehouse/src/index\\.ts$'],
      },
    },
    {
      name: 'server-below-cli',
      comment: 'The server is a library the CLI runs; it never imports the CLI or the scaffolder.',
      severity: 'error',
      from: { path: '^packages/server/' },
      to: { path: '^(packages/cli/|create-connector/)' },
    },
    {
      name: 'create-connector-stands-alone',
      comment: '`npm create @patchbay/connector` installs nothing of Patchbay to run.',
      severity: 'error',
      from: { path: '^create-connector/' },
      to: { path: '^(packages|connectors)/' },
    },
    {
      name: 'no-relative-path-into-another-package',
      comment: 'Another package is imported by its name (its exports map), never by a path into its files.',
      severity: 'error',
      from: { path: SRC },
      to: {
        dependencyTypes: ['local'],
        path: '^(packages|connectors|create-connector)/',
        pathNot: '^$1/$2/',
      },
    },
    {
      name: 'declared-dependencies-only',
      comment:
        "Every package a source imports is in that package's dependencies or peerDependencies; otherwise a user's install lacks it (or tsup inlines a copy into dist).",
      severity: 'error',
      from: { path: SRC },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown', 'npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'resolvable',
      comment: 'Every import resolves.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|test|bench|fixtures|templates)/' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@patchbay/source', 'import', 'types', 'default'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
}
