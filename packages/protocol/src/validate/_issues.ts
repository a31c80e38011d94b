import type { TLocalizedValidationError } from 'typebox/error'
import { describeExpected, describeValue, fieldName, schemaAt, valueAt } from './_describe.ts'
import type { ValidationIssue } from './validation-issue.ts'

/**
 * Rewrites TypeBox's errors as issues a person can act on:
 * "track event needs `event` (a non-empty string) at /event".
 * One issue per field: a union's alternatives do not each get a line.
 */
export function toIssues(
  label: string,
  errors: Iterable<TLocalizedValidationError>,
  schema: unknown,
  value: unknown,
  prefix = '',
): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  const seen = new Set<string>()
  for (const error of errors) {
    const sub = schemaAt(schema, error.schemaPath)
    if (error.keyword === 'required') {
      const missing = (error.params as { requiredProperties?: string[] }).requiredProperties ?? []
      for (const property of missing) {
        const path = `${error.instancePath}/${property}`
        if (seen.has(path)) continue
        seen.add(path)
        const expected = describeExpected(
          (sub?.properties as Record<string, Record<string, unknown>>)?.[property],
        )
        issues.push({
          path: prefix + path,
          keyword: 'required',
          message: `${label} needs \`${fieldName(path)}\` (${expected}) at ${prefix + path}`,
        })
      }
      continue
    }
    // A union reports each failed alternative; the parent's description covers them all.
    const path = error.instancePath
    if (seen.has(path) || [...seen].some((p) => path.startsWith(`${p}/`))) continue
    seen.add(path)
    const parentUnion = unionAbove(schema, error.schemaPath)
    const expected = describeExpected(parentUnion ?? sub)
    const got = describeValue(valueAt(value, path))
    const field = path === '' ? 'the event' : `\`${fieldName(path)}\``
    issues.push({
      path: prefix + path,
      keyword: error.keyword,
      message: `${label}: ${field} must be ${expected}, got ${got}, at ${prefix + path || '/'}`,
    })
  }
  return issues
}

/** When an error sits inside `anyOf/<n>`, the union schema that contains it. */
function unionAbove(schema: unknown, schemaPath: string) {
  const at = schemaPath.lastIndexOf('/anyOf/')
  return at < 0 ? undefined : schemaAt(schema, schemaPath.slice(0, at))
}
