import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { root } from './_build.ts'

const docs = readFileSync(`${root}docs/errors.md`, 'utf8')

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

/** Every package's `src/error-codes.ts`, core first: a new package's codes are covered by existing here. */
function codeModules(): string[] {
  const files = [`${root}packages/core/src/errors/codes.ts`]
  for (const group of ['packages', 'connectors']) {
    for (const name of readdirSync(`${root}${group}`).sort()) {
      const file = `${root}${group}/${name}/src/error-codes.ts`
      try {
        readFileSync(file)
        files.push(file)
      } catch {}
    }
  }
  return files
}

describe('docs/errors.md', () => {
  it('documents the union of every package registry, in registration order, with the registry text', async () => {
    const { listErrorCodes } = await import(`${root}packages/core/src/errors/registry.ts`)
    for (const file of codeModules()) await import(file)
    const registered = listErrorCodes() as Array<{
      code: string
      family: string
      description: string
      howToSolve: string
    }>
    expect(registered.length).toBeGreaterThan(30)
    const rows = documentedRows()
    expect([...rows.keys()]).toEqual(registered.map((entry) => entry.code))
    for (const entry of registered) {
      expect(rows.get(entry.code), entry.code).toEqual({
        family: entry.family,
        description: entry.description.replaceAll('|', '\\|'),
        howToSolve: entry.howToSolve.replaceAll('|', '\\|'),
      })
    }
  })
})
