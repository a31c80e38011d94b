import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { root } from './_build.ts'

const readme = readFileSync(`${root}README.md`, 'utf8')
const MAIN_JOB = 'npx patchbay run docs/examples/pipeline.yaml --input docs/examples/events.jsonl --receiver'
const LOG_SHOWCASE =
  'npx patchbay run docs/examples/nginx/pipeline.yaml --source logs --input docs/examples/nginx/access.log --receiver'

/** Runs a README command with the real bin (built), as a user would after `npm run build`. */
function runReadmeCommand(command: string) {
  const [, , ...args] = command.split(' ')
  return spawnSync(process.execPath, [`${root}packages/cli/bin/patchbay.js`, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', PATCHBAY_RECEIVER_URL: '' },
    timeout: 60_000,
  })
}

describe("the README's main job", () => {
  it('is the command the README shows', () => {
    expect(readme).toContain(`npm ci && npm run build && ${MAIN_JOB}`)
    expect(readme).toContain('npm test')
  })

  it('runs the example pipeline end to end with the real bin, against the receiver it starts', () => {
    const r = runReadmeCommand(MAIN_JOB)
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

  it('runs the log showcase: 500 nginx lines in, checkouts and page views out, the noise dropped', () => {
    expect(readme).toContain(LOG_SHOWCASE)
    const r = runReadmeCommand(LOG_SHOWCASE)
    expect(r.stdout).toContain('500 events in')
    expect(r.stdout).toContain(
      'analytics (@patchbay/destination-webhook@0.0.0): delivered 32, dropped 468, failed 0',
    )
    expect(r.stdout).toContain('468 × returned null at transformations.parse')
    expect(r.stderr).toMatch(/receiver ← POST \/events {2}track "Order Completed"/)
    expect(r.stderr).toMatch(/receiver ← POST \/events {2}page "\/pricing"/)
    expect(r.status).toBe(0)
  })
})
