import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../src/index.ts'

const docs = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8')

/** Rows of the `| Code | Family | Description | How to solve |` table in docs/errors.md. */
function documentedRows(): Map<string, { family: string; description: string; howToSolve: string }> {
  const rows = new Map<string, { family: string; description: string; howToSolve: string }>()
  for (const line of docs.split('\n')) {
    const cells = line.split('|').map((c) => c.trim())
    const code = /^`(PB_[A-Z0-9_]+)`$/.exec(cells[1] ?? '')?.[1]
    if (code) rows.set(code, { family: cells[2]!, description: cells[3]!, howToSolve: cells[4]! })
  }
  return rows
}

describe('docs/errors.md', () => {
  it('documents every error code, in registry order, with the registry text', () => {
    const rows = documentedRows()
    expect([...rows.keys()]).toEqual(Object.keys(ERROR_CODES))
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(rows.get(code), code).toEqual({
        family: entry.family,
        description: entry.description.replaceAll('|', '\\|'),
        howToSolve: entry.howToSolve.replaceAll('|', '\\|'),
      })
    }
  })
})
