import './error-codes.ts'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { isPatchbayError, PatchbayError } from '@patchbay/core'
import { build, stop, type TransformOptions, transform } from 'esbuild'
import type { ExternalCopy } from 'isolated-vm'
import { createSourceMapper, type SourceMapper } from './_sourcemap.ts'

/** User code ready to compile: JavaScript, plus a way back to the user's lines for TypeScript. */
export interface PreparedSource {
  /** sha256 of language, file name and code: the compile cache key. */
  hash: string
  /** The name stack traces and errors use (the path the user gave). */
  filename: string
  language: 'js' | 'ts'
  /** The user's own text, for locating imports. */
  original: string
  /** The JavaScript the isolate compiles. */
  code: string
  mapper: SourceMapper | undefined
  /** The source map JSON of transpiled TypeScript (workers build their own mapper from it). */
  map?: string
  /** V8 code cache, produced by Patchbay from `code` the first time it compiled it. */
  cachedData?: ExternalCopy<ArrayBuffer>
}

/** Modules user code may import. Each is pure ECMAScript with no imports of its own. */
export const BUILTIN_MODULES: Record<string, string> = {
  '@patchbay/sandbox/log': 'log',
  '@patchbay/sandbox/hash': 'hash',
}

export function languageOf(filename: string): 'js' | 'ts' {
  return /\.[cm]?tsx?$/i.test(filename) ? 'ts' : 'js'
}

const cache = new Map<string, PreparedSource>()
const CACHE_SIZE = 256
/** Characters of code the prepared-source cache keeps: 64 Mi, whatever the number of entries. */
export const PREPARED_CACHE_CHARS = 64 * 2 ** 20
let cachedChars = 0

/** What an entry holds: the code, the user's text when it differs, and the source map. */
const charsOf = (p: PreparedSource) =>
  p.code.length + (p.original === p.code ? 0 : p.original.length) + (p.map?.length ?? 0)

/** Characters the prepared-source cache holds now. */
export function preparedCacheChars(): number {
  return cachedChars
}

function remember(prepared: PreparedSource): PreparedSource {
  const chars = charsOf(prepared)
  // A transform bigger than the whole budget is prepared, used and not kept.
  if (chars > PREPARED_CACHE_CHARS) return prepared
  while (cache.size > 0 && (cache.size >= CACHE_SIZE || cachedChars + chars > PREPARED_CACHE_CHARS)) {
    const oldest = cache.keys().next().value!
    cachedChars -= charsOf(cache.get(oldest)!)
    cache.delete(oldest)
  }
  cache.set(prepared.hash, prepared)
  cachedChars += chars
  return prepared
}

/**
 * The longest source a transform may have, in characters (16 Mi). Hashing it, transpiling it
 * and copying it to each worker cost the host in proportion: a 300 MB file stalled the host's
 * event loop for 2.8 s. Real transforms, bundled libraries and all, are a few hundred KB.
 */
export const SOURCE_LIMIT_CHARS = 16 * 2 ** 20

/**
 * Turns user code into JavaScript, cached by content hash: the same file compiled twice (two
 * pipelines, a reload) is transpiled once and reuses V8's code cache.
 */
export async function prepareSource(
  code: string,
  filename: string,
  language: 'js' | 'ts' = languageOf(filename),
): Promise<PreparedSource> {
  if (code.length > SOURCE_LIMIT_CHARS)
    throw new PatchbayError(
      'PB_SANDBOX_COMPILE',
      `${filename}: the source is ${code.length} characters long; a transform may have at most ${SOURCE_LIMIT_CHARS}`,
      { file: filename },
    )
  const hash = createHash('sha256').update(`${language}\0${filename}\0${code}`).digest('hex')
  const hit = cache.get(hash)
  if (hit) {
    cache.delete(hash)
    cache.set(hash, hit)
    return hit
  }
  if (language === 'js')
    return remember({ hash, filename, language, original: code, code, mapper: undefined })
  try {
    const out = await transpile(code, filename)
    return remember({
      hash,
      filename,
      language,
      original: code,
      code: out.code,
      mapper: createSourceMapper(out.map),
      map: out.map,
    })
  } catch (error) {
    if (isPatchbayError(error)) throw error
    const first = (
      error as { errors?: Array<{ text: string; location?: { line: number; column: number } | null }> }
    ).errors?.[0]
    if (!first)
      throw new PatchbayError(
        'PB_SANDBOX_COMPILE',
        `${filename}: the TypeScript could not be transpiled: ${(error as Error)?.message ?? String(error)}`,
        { file: filename, cause: error },
      )
    const line = first.location?.line
    const column = first.location ? first.location.column + 1 : undefined
    throw new PatchbayError(
      'PB_SANDBOX_COMPILE',
      `${filename}${line ? `:${line}:${column}` : ''}: ${first.text}`,
      { file: filename, line, column },
    )
  }
}

/** esbuild's answer once its service process has died (a Go stack overflow on deep input). */
const SERVICE_GONE = /The service (was stopped|is no longer running)/
/** Incremented each time the service is stopped, so each death is recovered from once. */
let generation = 0
/** The retries after a death, one at a time; new transpiles wait while one runs. */
let retries: Promise<unknown> = Promise.resolve()
let retrying = 0

const serviceGone = (error: unknown) => SERVICE_GONE.test(String((error as Error)?.message ?? error))

/** Stops the dead service (once per death), so the next transpile starts a fresh one. */
async function restart(from: number): Promise<void> {
  if (generation !== from) return
  generation++
  await stop()
}

/**
 * TypeScript to JavaScript with esbuild, whose one service process serves the whole host.
 * Deeply nested input (100,000 arrow functions in 400 KB) overflows its Go stack and kills
 * it, and esbuild then fails every later call for good: here a death stops the service, and
 * each transpile it failed (the culprit, or a neighbour compiled at the same time) is tried
 * once more alone on a fresh one; a file that kills that one too is refused. Whitespace is
 * minified: indented, 10,000 nested blocks (20 KB) came back as 200 MB of JavaScript for the
 * host to hold, and 20,000 were past V8's longest string (an uncaught error in the host).
 * Locations are mapped back through the source map either way.
 */
async function transpile(code: string, filename: string) {
  const options: TransformOptions = {
    loader: 'ts',
    format: 'esm',
    target: 'esnext',
    sourcemap: 'external',
    sourcefile: filename,
    minifyWhitespace: true,
    logLevel: 'silent',
  }
  while (retrying > 0) await retries
  const started = generation
  try {
    return await transform(code, options)
  } catch (error) {
    if (!serviceGone(error)) throw error
    const retry = retries.then(async () => {
      await restart(started)
      const again = generation
      try {
        return await transform(code, options)
      } catch (second) {
        if (!serviceGone(second)) throw second
        await restart(again)
        throw new PatchbayError(
          'PB_SANDBOX_COMPILE',
          `${filename}: the TypeScript transpiler (esbuild) crashed on this file, probably nested too deep (thousands of levels of functions, brackets or operators); flatten it`,
          { file: filename },
        )
      }
    })
    retrying++
    retries = retry.catch(() => {})
    try {
      return await retry
    } finally {
      retrying--
    }
  }
}

/** 1-based line and column of the first import of `specifier` in the user's text. */
export function locateImport(text: string, specifier: string): { line: number; column: number } | undefined {
  for (const quote of ["'", '"']) {
    const at = text.indexOf(`${quote}${specifier}${quote}`)
    if (at === -1) continue
    const before = text.slice(0, at)
    const line = before.split('\n').length
    const lineStart = before.lastIndexOf('\n') + 1
    const importAt = text.slice(lineStart, at).search(/\b(import|export)\b/)
    return { line, column: (importAt === -1 ? at - lineStart : importAt) + 1 }
  }
  return undefined
}

const builtins = new Map<string, Promise<{ code: string; cachedData?: ExternalCopy<ArrayBuffer> }>>()

/**
 * The JavaScript of a built-in module. It is read from this package (the TypeScript source in
 * development, the built file once published) and transpiled once per process.
 */
export function builtinSource(
  specifier: string,
): Promise<{ code: string; cachedData?: ExternalCopy<ArrayBuffer> }> {
  let found = builtins.get(specifier)
  if (!found) {
    const dir = BUILTIN_MODULES[specifier]
    if (!dir) throw new Error(`${specifier} is not a built-in module`)
    found = (async () => {
      const ts = new URL(`./${dir}/index.ts`, import.meta.url)
      const file = fileURLToPath(existsSync(ts) ? ts : new URL(`./${dir}/index.js`, import.meta.url))
      // Bundled, so a library split over several files (or a build that adds shared chunks)
      // still arrives as one module with no imports.
      const out = await build({
        entryPoints: [file],
        bundle: true,
        format: 'esm',
        platform: 'neutral',
        target: 'esnext',
        write: false,
        sourcemap: false,
        logLevel: 'silent',
      })
      return { code: out.outputFiles[0]!.text }
    })()
    builtins.set(specifier, found)
  }
  return found
}
