// Writes the protocol's JSON Schema files (packages/protocol/schemas/*.json) from the
// TypeBox definitions. Run by `npm run build`; test/json-schemas.test.ts checks that the
// committed files match, so a schema change without a rebuild fails CI.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { protocolJsonSchemas } from '../src/schema/json-schemas.ts'

const dir = new URL('../schemas/', import.meta.url)
mkdirSync(dir, { recursive: true })
const files = protocolJsonSchemas()
for (const stale of readdirSync(dir)) if (!(stale in files)) rmSync(new URL(stale, dir))
for (const [name, schema] of Object.entries(files))
  writeFileSync(new URL(name, dir), `${JSON.stringify(schema, null, 2)}\n`)
console.log(`protocol: wrote ${Object.keys(files).length} JSON Schema files to schemas/`)
