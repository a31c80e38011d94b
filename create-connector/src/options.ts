import Type, { type Static } from 'typebox'

/** The kinds of connector the scaffold generates. */
export const KINDS = ['destination', 'source', 'transformation'] as const
/** How a generated destination authenticates to its API. */
export const AUTH_STYLES = ['none', 'api-key', 'basic', 'bearer'] as const
/** How a generated destination delivers: HTTP requests, or through a client it owns (a database). */
export const TRANSPORTS = ['http', 'client'] as const
export const PACKAGE_MANAGERS = ['npm', 'pnpm', 'yarn', 'bun'] as const

/** Everything the scaffold needs; every prompt has a flag of the same name. */
export const ScaffoldOptionsSchema = Type.Object({
  kind: Type.Enum(KINDS, { description: 'What the connector is' }),
  name: Type.String({ description: 'The npm package name, e.g. @acme/destination-crm' }),
  description: Type.String({ description: 'One line for package.json and the README' }),
  auth: Type.Enum(AUTH_STYLES, { description: 'Destinations: how requests authenticate' }),
  transport: Type.Optional(
    Type.Enum(TRANSPORTS, {
      default: 'http',
      description:
        'Destinations: `http` (transform events into requests) or `client` (open a client such as a database pool and write batches with it; plugin API 2)',
    }),
  ),
  batching: Type.Boolean({ description: 'Destinations: whether track events are sent in bulk' }),
  packageManager: Type.Enum(PACKAGE_MANAGERS, {
    description: 'The package manager named in the README and next steps',
  }),
  /** The folder to create; it must not exist or be empty. */
  dir: Type.String({ description: 'The folder to create (default: the unscoped name)' }),
  /**
   * A Patchbay checkout to install @patchbay/* from instead of the registry: its packages are
   * packed (npm pack) into `<dir>/.patchbay-local/` and referenced as `file:` tarballs.
   */
  local: Type.Optional(
    Type.String({ description: 'A Patchbay checkout to depend on instead of the registry' }),
  ),
})

export type ScaffoldOptions = Static<typeof ScaffoldOptionsSchema>
export type ConnectorKind = ScaffoldOptions['kind']
export type AuthStyle = ScaffoldOptions['auth']
export type Transport = NonNullable<ScaffoldOptions['transport']>
export type PackageManager = ScaffoldOptions['packageManager']

const NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/

/**
 * Why `name` cannot be an npm package name, or undefined when it can (npm's rules: lower
 * case, URL-safe, at most 214 characters, an optional scope).
 */
export function packageNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty'
  if (name.length > 214) return `the name is ${name.length} characters long; npm allows 214`
  if (name !== name.toLowerCase()) return `npm package names are lower case: try "${name.toLowerCase()}"`
  if (/\s/.test(name)) return 'the name contains spaces: use dashes, e.g. "destination-acme-crm"'
  if (!NAME.test(name))
    return 'use letters, digits, "-", "." and "_" only, with an optional scope: e.g. "@acme/destination-crm"'
  return undefined
}

/** The package name without its scope: the default folder and the pipeline step id. */
export const unscopedName = (name: string): string => name.replace(/^@[^/]+\//, '')
