import { readFileSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { Compile } from 'typebox/compile'
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml'
import { pointerToDotted, toSchemaIssues } from '../config/_schema-issues.ts'
import { parseAllowRule } from '../delivery/_egress-rules.ts'
import { PatchbayError } from '../errors/patchbay-error.ts'
import { FORBIDDEN_WHY } from '../json/_forbidden-keys.ts'
import { findForbiddenKey } from '../json/parse-json.ts'
import { movedFields } from './_moved-fields.ts'
import { type PipelineDefinition, PipelineSchema } from './pipeline-schema.ts'

/** A position in a pipeline file (1-based line and column). */
export interface FilePosition {
  file: string
  line: number
  column: number
}

/** A parsed, validated pipeline file, able to point back at its own lines. */
export interface LoadedPipeline {
  definition: PipelineDefinition
  /** Absolute path of the file; relative `use:`/`code:` paths resolve against its folder. */
  file: string
  baseDir: string
  /** The position of the value at a JSON pointer, or of its nearest existing parent. */
  locate(pointer: string): FilePosition | undefined
}

const checkPipeline = Compile(PipelineSchema)

/**
 * Reads a pipeline file (YAML or JSON), replaces `${ENV}` / `${ENV:-default}` in string
 * values, and validates it. Every problem is reported at once, each with file:line:column.
 *
 * @example
 * const { definition } = loadPipelineFile('pipeline.yaml')
 */
export function loadPipelineFile(
  path: string,
  options: { env?: Record<string, string | undefined> } = {},
): LoadedPipeline {
  const file = resolve(path)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (cause) {
    throw new PatchbayError(
      'PB_PIPELINE_INVALID',
      `Cannot read pipeline file ${path}: ${(cause as Error).message}`,
      {
        file: path,
        cause,
        hint: 'Check the path; it is relative to the current directory.',
      },
    )
  }
  return parsePipeline(text, { file, env: options.env ?? process.env })
}

/** Like {@link loadPipelineFile}, from text; `file` names it in errors. */
export function parsePipeline(
  text: string,
  { file, env = process.env }: { file: string; env?: Record<string, string | undefined> },
): LoadedPipeline {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const shortName = basename(file)
  const position = (offset: number): FilePosition => {
    const { line, col } = lineCounter.linePos(offset)
    return { file, line, column: col }
  }
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!
    const at = position(first.pos[0])
    throw new PatchbayError(
      'PB_PIPELINE_INVALID',
      `${shortName}:${at.line}:${at.column}: ${first.message.split('\n')[0]}`,
      { file, line: at.line, column: at.column, hint: 'Fix the YAML syntax at that position.' },
    )
  }
  const locate = (pointer: string): FilePosition | undefined => {
    const keys = pointer
      .split('/')
      .slice(1)
      .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'))
    let node = doc.contents as Node | null
    let best = node?.range ? position(node.range[0]) : undefined
    for (const key of keys) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key)
        if (!pair) break
        const keyNode = pair.key as Node
        if (keyNode.range) best = position(keyNode.range[0])
        node = pair.value as Node | null
        if (node?.range && !isMap(node) && !isSeq(node)) best = position(node.range[0])
      } else if (isSeq(node)) {
        node = node.items[Number(key)] as Node | null
        if (!node) break
        if (node.range) best = position(node.range[0])
      } else break
    }
    return best
  }

  const problems: Array<{ pointer: string; message: string }> = []
  const js = doc.toJS() as unknown
  const forbidden = findForbiddenKey(js)
  if (forbidden !== undefined) {
    const at = locate(forbidden)
    throw new PatchbayError(
      'PB_PIPELINE_INVALID',
      `${shortName}:${at ? `${at.line}:${at.column}` : '1:1'}: ${pointerToDotted(forbidden)} is a forbidden key, ${FORBIDDEN_WHY}`,
      { file, line: at?.line, column: at?.column, field: forbidden, hint: 'Rename or remove that key.' },
    )
  }
  const raw = interpolate(js, env, '', problems)
  const definition = (raw ?? {}) as PipelineDefinition
  const moved = movedFields(definition)
  problems.push(...moved)
  if (moved.length === 0 && !checkPipeline.Check(definition)) {
    for (const issue of toSchemaIssues(checkPipeline.Errors(definition), PipelineSchema))
      problems.push({ pointer: issue.path, message: `${pointerToDotted(issue.path)} ${issue.message}` })
  }
  if (problems.length === 0) {
    checkUniqueIds(definition, problems)
    checkEgressRules(definition, problems)
  }
  if (problems.length > 0) {
    const lines = problems.map((p) => {
      const at = locate(p.pointer)
      return `${shortName}:${at ? `${at.line}:${at.column}` : '1:1'}: ${p.message}`
    })
    const first = locate(problems[0]!.pointer)
    throw new PatchbayError(
      'PB_PIPELINE_INVALID',
      `Invalid pipeline file:\n${lines.map((l) => `  ${l}`).join('\n')}`,
      {
        file,
        line: first?.line,
        column: first?.column,
        field: problems[0]!.pointer,
        details: { issues: problems },
      },
    )
  }
  return { definition, file, baseDir: dirname(file), locate }
}

function interpolate(
  value: unknown,
  env: Record<string, string | undefined>,
  pointer: string,
  problems: Array<{ pointer: string; message: string }>,
): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (_, name: string, fallback?: string) => {
        const found = env[name]
        if (found !== undefined && found !== '') return found
        if (fallback !== undefined) return fallback
        problems.push({
          pointer,
          message: `${pointerToDotted(pointer)} uses \${${name}}, but the environment variable ${name} is not set (set it, or write \${${name}:-default})`,
        })
        return ''
      },
    )
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${pointer}/${i}`, problems))
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        interpolate(v, env, `${pointer}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`, problems),
      ]),
    )
  }
  return value
}

/** Each `egress.allow` rule must read as a host name, an address or a CIDR range. */
function checkEgressRules(
  definition: PipelineDefinition,
  problems: Array<{ pointer: string; message: string }>,
) {
  for (const [i, rule] of (definition.egress?.allow ?? []).entries()) {
    try {
      parseAllowRule(rule, `egress.allow[${i}]`)
    } catch (error) {
      const { hint } = error as PatchbayError
      problems.push({ pointer: `/egress/allow/${i}`, message: `${(error as Error).message}. ${hint}` })
    }
  }
}

function checkUniqueIds(
  definition: PipelineDefinition,
  problems: Array<{ pointer: string; message: string }>,
) {
  for (const list of ['sources', 'transformations', 'destinations'] as const) {
    const seen = new Set<string>()
    definition[list]?.forEach((step, i) => {
      if (seen.has(step.id))
        problems.push({
          pointer: `/${list}/${i}/id`,
          message: `${list}[${i}].id "${step.id}" is used twice in ${list}`,
        })
      seen.add(step.id)
    })
  }
  definition.transformations?.forEach((step, i) => {
    if ((step.use === undefined) === (step.code === undefined)) {
      problems.push({
        pointer: `/transformations/${i}`,
        message: `transformations[${i}] needs exactly one of \`use\` (a plugin) or \`code\` (a user transform file)`,
      })
    }
  })
}
