import './error-codes.ts'
import { readFileSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { PatchbayError } from '@patchbay/core'
import { Compile } from 'typebox/compile'
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml'
import { OTHER_TYPES, type TrackingPlan, TrackingPlanSchema } from './plan-schema.ts'

const checkPlan = Compile(TrackingPlanSchema)

/** A parsed, validated plan, with the file it came from. */
export interface LoadedPlan {
  plan: TrackingPlan
  /** Absolute path, or `<inline>`. */
  file: string
}

/**
 * Reads a tracking plan file (YAML or JSON) and validates it: the plan schema, then every
 * property's JSON Schema (compiled once here, so a bad schema fails at load, not per event).
 * Every problem names file:line:column, the event and the field.
 *
 * @example
 * const { plan } = loadPlanFile('tracking-plan.yaml')
 */
export function loadPlanFile(path: string): LoadedPlan {
  const file = resolve(path)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (cause) {
    throw new PatchbayError(
      'PB_PLAN_INVALID',
      `Cannot read tracking plan ${path}: ${(cause as Error).message}`,
      {
        file: path,
        cause,
        hint: 'Check the path; in a pipeline it is relative to the pipeline file.',
      },
    )
  }
  return parsePlan(text, { file })
}

/** Like {@link loadPlanFile}, from text; `file` names it in errors. */
export function parsePlan(text: string, { file = '<inline>' }: { file?: string } = {}): LoadedPlan {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const short = basename(file)
  const at = (offset: number) => lineCounter.linePos(offset)
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!
    const { line, col } = at(first.pos[0])
    throw new PatchbayError('PB_PLAN_INVALID', `${short}:${line}:${col}: ${first.message.split('\n')[0]}`, {
      file,
      line,
      column: col,
      hint: 'Fix the YAML syntax at that position.',
    })
  }
  const locate = (pointer: string) => {
    let node = doc.contents as Node | null
    let best = node?.range ? at(node.range[0]) : { line: 1, col: 1 }
    for (const key of pointer.split('/').slice(1).map(unescapeKey)) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key)
        if (!pair) break
        if ((pair.key as Node).range) best = at((pair.key as Node).range![0])
        node = pair.value as Node | null
      } else if (isSeq(node)) {
        node = node.items[Number(key)] as Node | null
        if (!node?.range) break
        best = at(node.range[0])
      } else break
    }
    return best
  }
  const plan = doc.toJS() as TrackingPlan
  const problems: Array<{ pointer: string; message: string }> = []
  if (!checkPlan.Check(plan)) {
    for (const error of checkPlan.Errors(plan)) {
      if (error.keyword === 'boolean') continue
      const extra = (error.params as { additionalProperties?: string[] }).additionalProperties
      const pointer = extra?.length ? `${error.instancePath}/${escapeKey(extra[0]!)}` : error.instancePath
      problems.push({
        pointer,
        message: `${describe(pointer)}: ${error.message}${extra?.length ? ` (${extra.join(', ')})` : ''}`,
      })
    }
  } else {
    checkSchemas(plan, problems)
  }
  if (problems.length > 0) {
    const lines = problems.map((p) => {
      const { line, col } = locate(p.pointer)
      return `${short}:${line}:${col}: ${p.message}`
    })
    const first = locate(problems[0]!.pointer)
    throw new PatchbayError(
      'PB_PLAN_INVALID',
      `Invalid tracking plan:\n${lines.map((l) => `  ${l}`).join('\n')}`,
      {
        file,
        line: first.line,
        column: first.col,
        field: problems[0]!.pointer,
        details: { issues: problems },
        hint: 'Fix the plan at the reported positions; see docs/tracking-plans.md for the format.',
      },
    )
  }
  return { plan, file }
}

/** Each property schema must compile, and each required name must be a planned property. */
function checkSchemas(plan: TrackingPlan, problems: Array<{ pointer: string; message: string }>) {
  const entries = [
    ...Object.entries(plan.track ?? {}).map(([name, e]) => [`/track/${escapeKey(name)}`, e] as const),
    ...OTHER_TYPES.flatMap((t) => (plan[t] ? [[`/${t}`, plan[t]] as const] : [])),
  ]
  for (const [pointer, event] of entries) {
    for (const [name, schema] of Object.entries(event.properties ?? {})) {
      const where = `${pointer}/properties/${escapeKey(name)}`
      try {
        Compile(schema as never)
      } catch (error) {
        problems.push({
          pointer: where,
          message: `${describe(where)}: not a valid JSON Schema: ${(error as Error).message}`,
        })
        continue
      }
      const type = (schema as { type?: unknown }).type
      const known = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']
      for (const t of Array.isArray(type) ? type : type === undefined ? [] : [type])
        if (!known.includes(t as string))
          problems.push({
            pointer: `${where}/type`,
            message: `${describe(where)}: type "${String(t)}" is not a JSON Schema type (use one of ${known.join(', ')})`,
          })
    }
    for (const [i, name] of (event.required ?? []).entries())
      if (!(name in (event.properties ?? {})))
        problems.push({
          pointer: `${pointer}/required/${i}`,
          message: `${describe(pointer)}: "${name}" is required but not among its properties`,
        })
  }
}

/** `/track/Order Completed/properties/total` → `track "Order Completed", property total`. */
function describe(pointer: string): string {
  const parts = pointer.split('/').slice(1).map(unescapeKey)
  if (parts.length === 0) return 'the plan'
  let text = parts[0] === 'track' && parts[1] !== undefined ? `track "${parts[1]}"` : parts[0]!
  const rest = parts.slice(parts[0] === 'track' ? 2 : 1)
  if (rest[0] === 'properties' && rest[1] !== undefined)
    text += `, property ${rest[1]}${rest.length > 2 ? `.${rest.slice(2).join('.')}` : ''}`
  else if (rest.length > 0) text += `.${rest.join('.')}`
  return text
}

const escapeKey = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1')
const unescapeKey = (key: string) => key.replaceAll('~1', '/').replaceAll('~0', '~')
