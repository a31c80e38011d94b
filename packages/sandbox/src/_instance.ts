import './error-codes.ts'
import { PatchbayError } from '@patchbay/core'
import type { Context, Isolate, Module, Reference } from 'isolated-vm'
import type { FetchBudget, HostFetch } from './_fetch.ts'
import { type IdentityBudget, type IdentityClient, startLookup } from './_identity-lookup.ts'
import type { Ivm } from './_ivm.ts'
import { RUNTIME_SOURCE } from './_runtime.ts'
import { BUILTIN_MODULES, builtinSource, type PreparedSource as FullSource, locateImport } from './_source.ts'

/** What loading a transform needs of its prepared source. */
export type PreparedSource = Pick<FullSource, 'filename' | 'code' | 'original' | 'mapper' | 'cachedData'>

export type TransformKind = 'transformEvent' | 'transformBatch' | 'transformLine'

/** A batch in flight that awaits something; user fetches report to it. */
export interface ActiveRun {
  closed: boolean
  /** The batch's fetch budget, made on its first fetch. */
  readonly budget: FetchBudget
  /** The batch's `lookupIdentity` budget. */
  readonly identity: IdentityBudget
  /** Called with the request id and the JSON for `deliver` when a fetch or identity lookup finished. */
  onResponse(id: number, json: string): void
  inflight: number
}

/** One transform's context inside one isolate, with the runtime's entry points. */
export interface Instance {
  kind: TransformKind
  run: Reference<(events: unknown[] | string, meta: unknown, seq: number) => string>
  /** The output of run `seq` when isolated-vm threw an unhandled rejection instead of returning it. */
  take: Reference<(seq: number) => string>
  /** Numbers runs, so `take` never hands back an older run's output. */
  seq: number
  poll: Reference<() => string>
  deliver: Reference<(id: number, json: string) => void>
  abort: Reference<() => string>
  /** The batch currently running here, if it awaits something. */
  active: ActiveRun | undefined
  /** Set when the isolate was retired; the references are then invalid. */
  dead: boolean
  release(): void
}

export interface InstanceConfig {
  cpuTimeMs: number
  outputLimitBytes: number
  batchOutputLimitBytes: number
  maxFanOut: number
  logLimitBytes: number
  maxLogEntries: number
  fetch: HostFetch | undefined
  /** Answers `lookupIdentity` through the host; undefined when the sandbox has no identity graph. */
  identity: IdentityClient | undefined
  /** Pipeline step label for messages, e.g. `transformations.enrich`. */
  step: string | undefined
}

/** `[file:line:col]` at the end of V8 syntax errors that isolated-vm reports. */
const BRACKET_LOCATION = /\s*\[([^\]]*):(\d+):(\d+)\]\s*$/

function locationIn(error: unknown, prepared: PreparedSource): { line?: number; column?: number } {
  const text = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : ''
  const bracket = BRACKET_LOCATION.exec(error instanceof Error ? error.message : '')
  const frame = new RegExp(
    `[( ]${prepared.filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)\\)?`,
  ).exec(text)
  const hit = bracket ? [bracket[2], bracket[3]] : frame ? [frame[1], frame[2]] : undefined
  if (!hit) return {}
  const line = Number(hit[0])
  const column = Number(hit[1])
  return prepared.mapper?.original(line, column) ?? { line, column }
}

function loadError(
  code: 'PB_SANDBOX_COMPILE' | 'PB_SANDBOX_IMPORT' | 'PB_SANDBOX_EXPORT',
  prepared: PreparedSource,
  message: string,
  at: { line?: number; column?: number },
  config: InstanceConfig,
  cause?: unknown,
): PatchbayError {
  const where = at.line ? `${prepared.filename}:${at.line}:${at.column}` : prepared.filename
  return new PatchbayError(code, `${where}: ${message}`, {
    file: prepared.filename,
    line: at.line,
    column: at.column,
    step: config.step,
    cause,
  })
}

/** Longest message (and name) of a thrown value kept in an error, as in the runtime's events' errors. */
const MESSAGE_LIMIT = 2000
const NAME_LIMIT = 200

/** `text` cut to `max` characters (with an ellipsis), so a 50 MB throw never crosses to the host. */
export function clipText(text: string, max = MESSAGE_LIMIT): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}

function describeLoadFailure(error: unknown, isolate: Isolate): string {
  if (isolate.isDisposed) return 'ran out of memory while loading (the isolate memory limit was reached)'
  const message = error instanceof Error ? error.message.replace(BRACKET_LOCATION, '') : String(error)
  if (message === 'Script execution timed out.')
    return 'the top level of the module did not finish in time (an endless loop?)'
  if (error instanceof Error) return `${clipText(error.name, NAME_LIMIT)}: ${clipText(message)}`
  return `the top level threw ${typeof error === 'string' ? `"${clipText(error)}"` : 'a non-Error value'}`
}

/**
 * Creates a transform's context in an isolate: the runtime first, then the built-in modules
 * it imports, then the user's module (with V8 code cache after the first compile), then the
 * export check. Throws PB_SANDBOX_COMPILE / _IMPORT / _EXPORT naming file:line:column.
 */
export async function createInstance(
  ivm: Ivm,
  isolate: Isolate,
  prepared: PreparedSource,
  config: InstanceConfig,
): Promise<Instance> {
  const context: Context = isolate.createContextSync()
  const modules: Module[] = []
  const refs: Reference[] = []
  const release = () => {
    for (const r of refs) r.release()
    for (const m of modules) m.release()
    context.release()
  }
  try {
    const instance = {} as Instance
    const starter = config.fetch
      ? new ivm.Callback((id: number, payload: string) => startFetch(instance, config.fetch!, id, payload))
      : undefined
    const lookup = config.identity
      ? new ivm.Callback((rid: number, key: unknown) => startLookup(instance, config.identity!, rid, key))
      : undefined
    const api = context.evalClosureSync(
      RUNTIME_SOURCE,
      [
        starter,
        JSON.stringify({
          file: prepared.filename,
          outputLimit: config.outputLimitBytes,
          batchOutputLimit: config.batchOutputLimitBytes,
          maxFanOut: config.maxFanOut,
          logLimit: config.logLimitBytes,
          maxLogEntries: config.maxLogEntries,
        }),
        lookup,
      ],
      { result: { reference: true } },
    ) as Reference<Record<string, unknown>>
    const get = (name: string) => {
      const ref = api.getSync(name, { reference: true }) as Reference
      refs.push(ref)
      return ref
    }
    const inspect = get('inspect')
    const bind = get('bind')
    Object.assign(instance, {
      run: get('run'),
      take: get('take'),
      seq: 0,
      poll: get('poll'),
      deliver: get('deliver'),
      abort: get('abort'),
      active: undefined,
      dead: false,
      release,
    })
    api.release()

    let main: Module
    try {
      main = await isolate.compileModule(prepared.code, {
        filename: prepared.filename,
        ...(prepared.cachedData ? { cachedData: prepared.cachedData } : { produceCachedData: true }),
      })
    } catch (error) {
      throw loadError(
        'PB_SANDBOX_COMPILE',
        prepared,
        describeLoadFailure(error, isolate),
        locationIn(error, prepared),
        config,
        error,
      )
    }
    modules.push(main)
    const produced = (main as Module & { cachedData?: PreparedSource['cachedData'] }).cachedData
    if (!prepared.cachedData && produced) prepared.cachedData = produced

    const deps = new Map<string, Module>()
    for (const specifier of main.dependencySpecifiers) {
      if (!(specifier in BUILTIN_MODULES)) {
        throw loadError(
          'PB_SANDBOX_IMPORT',
          prepared,
          `cannot import "${specifier}": transforms may import only ${Object.keys(BUILTIN_MODULES).join(' and ')}`,
          locateImport(prepared.original, specifier) ?? {},
          config,
        )
      }
      const lib = await builtinSource(specifier)
      const mod = await isolate.compileModule(lib.code, {
        filename: specifier,
        ...(lib.cachedData ? { cachedData: lib.cachedData } : { produceCachedData: true }),
      })
      const libCache = (mod as Module & { cachedData?: PreparedSource['cachedData'] }).cachedData
      if (!lib.cachedData && libCache) lib.cachedData = libCache
      modules.push(mod)
      deps.set(specifier, mod)
    }
    try {
      await main.instantiate(context, (specifier) => deps.get(specifier)!)
      await main.evaluate({ timeout: config.cpuTimeMs })
    } catch (error) {
      throw loadError(
        'PB_SANDBOX_COMPILE',
        prepared,
        describeLoadFailure(error, isolate),
        locationIn(error, prepared),
        config,
        error,
      )
    }

    const exported = JSON.parse(
      inspect.applySync(undefined, [main.namespace.derefInto()]) as string,
    ) as Record<string, string>
    const candidates = (['transformEvent', 'transformBatch', 'transformLine'] as const).filter(
      (name) => name in exported,
    )
    const found = Object.keys(exported).length === 0 ? 'nothing' : Object.keys(exported).join(', ')
    if (candidates.length !== 1) {
      throw loadError(
        'PB_SANDBOX_EXPORT',
        prepared,
        candidates.length === 0
          ? `the module must export a function named transformEvent, transformBatch or transformLine; it exports ${found}`
          : `the module exports ${candidates.length === 2 ? 'both ' : ''}${candidates.join(' and ')}; export exactly one`,
        {},
        config,
      )
    }
    const kind = candidates[0]!
    if (exported[kind] !== 'function') {
      throw loadError(
        'PB_SANDBOX_EXPORT',
        prepared,
        `${kind} must be a function, but it is a ${exported[kind]}`,
        {},
        config,
      )
    }
    bind.applySync(undefined, [main.namespace.derefInto(), kind])
    instance.kind = kind
    return instance
  } catch (error) {
    if (!isolate.isDisposed) release()
    throw error
  }
}

/** The host half of a user `fetch`: checks the host now, answers later through `deliver`. */
function startFetch(instance: Instance, fetch: HostFetch, id: number, payload: string): string {
  const run = instance.active
  if (!run || run.closed) {
    return JSON.stringify({
      name: 'FetchDeniedError',
      code: 'PB_SANDBOX_FETCH_DENIED',
      message:
        'fetch can only be called while events are being transformed, not at the top level of the module',
    })
  }
  const request = JSON.parse(payload) as Parameters<HostFetch['send']>[0]
  const refusal = fetch.check(request) ?? run.budget.admit()
  if (refusal) return JSON.stringify(refusal)
  run.inflight++
  void fetch.send(request, run.budget).then((json) => run.onResponse(id, json))
  return ''
}
