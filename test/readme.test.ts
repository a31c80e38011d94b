import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { root } from './_build.ts'

const readme = readFileSync(`${root}README.md`, 'utf8')
const MAIN_JOB = 'npx patchbay run docs/examples/pipeline.yaml --input docs/examples/events.jsonl --receiver'

describe("the README's main job", () => {
  it('is the command the README shows', () => {
    expect(readme).toContain(`npm ci && npm run build && ${MAIN_JOB}`)
    expect(readme).toContain('npm test')
  })

  it('runs the example pipeline end to end with the real bin, against the receiver it starts', () => {
    const [, , ...args] = MAIN_JOB.split(' ')
    const r = spawnSync(process.execPath, [`${root}packages/cli/bin/patchbay.js`, ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', PATCHBAY_RECEIVER_URL: '' },
      timeout: 60_000,
    })
    expect(r.stderr).toMatch(/receiver listening on http:\/\/127\.0\.0\.1:\d+/)
    expect(r.stdout).toContain('24 events in')
    expect(r.stdout).toContain(
      'webhook (@patchbay/destination-webhook@0.0.0): delivered 23, dropped 1, failed 0',
    )
    expect(r.stdout).toContain('1 × integrations at destinations.webhook')
    expect(r.stdout).toContain(
      'orders (@patchbay/destination-webhook@0.0.0): delivered 2, dropped 22, failed 0',
    )
    expect(r.stdout).toContain('receiver got 24 requests')
    expect(r.status).toBe(0)
  })
})
