import { readFileSync } from 'node:fs'
import type { ScaffoldOptions } from './options.ts'

/**
 * This package's own manifest. Its (dev)dependencies pin what generated packages depend on,
 * so the versions live in one place and changesets keeps the @patchbay/* ones current.
 */
const self = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

/** The range a generated package uses for `name`: `^x.y.z` for @patchbay/*, else ours. */
export function rangeOf(name: string): string {
  const range = self.devDependencies[name] ?? self.dependencies[name]
  if (!range) throw new Error(`create-connector has no dependency on ${name} to take its version from`)
  return name.startsWith('@patchbay/') ? `^${range.replace(/^[\^~]/, '')}` : range
}

const pick = (names: string[], spec: (name: string) => string) =>
  Object.fromEntries(names.map((name) => [name, spec(name)]))

/**
 * The generated package.json. `local` maps @patchbay/* names to `file:` tarballs: those
 * replace the registry ranges, and `overrides` make transitive @patchbay/* deps use them too.
 */
export function packageJson(options: ScaffoldOptions, local?: Record<string, string>): string {
  const spec = (name: string) => local?.[name] ?? rangeOf(name)
  const dev = ['@patchbay/core', '@patchbay/testing', '@patchbay/cli']
  const tools = ['@changesets/cli', '@types/node', 'tsup', 'typescript', 'vitest']
  // A client destination (defineClientDestination) needs plugin API 2.
  const client = options.kind === 'destination' && options.transport === 'client'
  const manifest = {
    name: options.name,
    version: '0.1.0',
    description: options.description,
    license: 'MIT',
    type: 'module',
    engines: { node: '>=24' },
    keywords: ['patchbay', `patchbay-${options.kind}`, ...(client ? ['patchbay-client-destination'] : [])],
    exports: {
      // `@patchbay/source`: Patchbay's author commands (test, validate, send, dev) run src/.
      '.': { '@patchbay/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    },
    files: ['dist', 'src', 'README.md', 'CHANGELOG.md'],
    scripts: {
      build: 'tsup',
      // The check first: on an old Node, one line saying what to run instead of a stack trace.
      test: 'patchbay check-node && vitest run',
      dev: 'patchbay dev',
      typecheck: 'tsc',
      validate: 'patchbay validate',
      changeset: 'changeset',
      prepublishOnly: 'npm run build && npm test',
    },
    // HTTP destinations use plugin API 3 for their deleteUsers hook (regulations); client
    // destinations API 2 (no deletion hook for them yet).
    patchbay: { kind: options.kind, apiVersion: client ? 2 : options.kind === 'destination' ? 3 : 1 },
    dependencies: pick(['typebox'], spec),
    peerDependencies: { '@patchbay/core': local ? rangeOf('@patchbay/core') : spec('@patchbay/core') },
    devDependencies: pick([...dev, ...tools].sort(), spec),
    ...(local ? { overrides: local } : {}),
    // @patchbay/cli's sandbox pulls in esbuild and isolated-vm; neither needs its install
    // script (esbuild ships its binary as a package, isolated-vm prebuilt binaries). npm 11
    // asks about unlisted install scripts: these are reviewed denials, not an empty list.
    allowScripts: { esbuild: false, 'isolated-vm': false },
  }
  return `${JSON.stringify(manifest, null, 2)}\n`
}
