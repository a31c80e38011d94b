import { cancel, confirm, intro, isCancel, select, text } from '@clack/prompts'
import {
  AUTH_STYLES,
  type AuthStyle,
  type ConnectorKind,
  KINDS,
  PACKAGE_MANAGERS,
  type PackageManager,
  packageNameProblem,
  type ScaffoldOptions,
  TRANSPORTS,
  type Transport,
} from './options.ts'

/** Thrown when the user cancels a prompt (Ctrl-C); nothing has been written. */
export class Cancelled extends Error {}

function answer<T>(value: T): Exclude<T, symbol> {
  if (isCancel(value)) {
    cancel('Cancelled: nothing was written.')
    throw new Cancelled()
  }
  return value as Exclude<T, symbol>
}

const AUTH_HINTS: Record<AuthStyle, string> = {
  none: 'no credentials',
  'api-key': 'an x-api-key header',
  basic: 'user name and password',
  bearer: 'Authorization: Bearer <token>',
}

const TRANSPORT_HINTS: Record<Transport, string> = {
  http: 'maps events to HTTP requests',
  client: 'writes batches through a client it opens (a database, a queue, a file)',
}

/** Asks for every option the flags did not give, with the flags' values as the defaults. */
export async function promptOptions(given: Partial<ScaffoldOptions>, defaults: ScaffoldOptions) {
  intro('Create a Patchbay connector')
  const kind =
    given.kind ??
    answer(
      await select<ConnectorKind>({
        message: 'What kind of connector?',
        options: KINDS.map((k) => ({ value: k })),
        initialValue: defaults.kind,
      }),
    )
  const name =
    given.name ??
    answer(
      await text({
        message: 'Package name',
        placeholder: `@acme/${kind}-example`,
        defaultValue: `${kind}-example`,
        validate: (value) => (value ? packageNameProblem(value) : undefined),
      }),
    )
  const description =
    given.description ??
    answer(
      await text({
        message: 'Description',
        defaultValue: defaults.description,
        placeholder: defaults.description,
      }),
    )
  let auth = given.auth ?? defaults.auth
  let batching = given.batching ?? defaults.batching
  let transport: Transport = given.transport ?? defaults.transport ?? 'http'
  if (kind === 'destination' && given.transport === undefined)
    transport = answer(
      await select<Transport>({
        message: 'How does it deliver?',
        options: TRANSPORTS.map((t) => ({ value: t, hint: TRANSPORT_HINTS[t] })),
        initialValue: transport,
      }),
    )
  if (kind === 'destination' && transport === 'http') {
    if (given.auth === undefined)
      auth = answer(
        await select<AuthStyle>({
          message: 'How does the API authenticate?',
          options: AUTH_STYLES.map((a) => ({ value: a, hint: AUTH_HINTS[a] })),
          initialValue: defaults.auth,
        }),
      )
    if (given.batching === undefined)
      batching = answer(
        await confirm({ message: 'Send track events in batches?', initialValue: defaults.batching }),
      )
  }
  const packageManager =
    given.packageManager ??
    answer(
      await select<PackageManager>({
        message: 'Package manager',
        options: PACKAGE_MANAGERS.map((p) => ({ value: p })),
        initialValue: defaults.packageManager,
      }),
    )
  return { kind, name, description, auth, transport, batching, packageManager }
}
