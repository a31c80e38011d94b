import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { root } from './_build.ts'
import { nodePackage, npmDir, OLD_MAJORS, oldNodeDir, pathWithout24, userEnv } from './_old-node.ts'

// What a Node that Patchbay does not run on prints, through each bin a user runs: one line
// saying what was found, what is needed and the command that fixes it; exit 1; no stack.
// (A scaffolded connector's `npm test` is proved in create-connector.test.ts, on the
// package it scaffolds and installs.)

const patchbay = `${root}packages/cli/bin/patchbay.js`
const createConnector = `${root}create-connector/bin/create-connector.js`
const scratch = mkdtempSync(join(tmpdir(), 'pb-node-version-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A preload that makes Node report another platform, as on a machine npm has no Node for. */
const freebsd = join(scratch, 'freebsd.cjs')
writeFileSync(freebsd, "Object.defineProperty(process, 'platform', { value: 'freebsd' })\n")

function run(major: number, args: string[], env: Record<string, string> = {}) {
  const node = join(oldNodeDir(major as 18 | 20), 'node')
  return spawnSync(node, args, {
    cwd: root,
    encoding: 'utf8',
    env: userEnv(pathWithout24([oldNodeDir(major as 18 | 20), npmDir()]), env),
    timeout: 60_000,
  })
}

/** The single line an old Node prints, after checking it is the only output. */
function oneLine(r: ReturnType<typeof spawnSync>): string {
  expect(r.status).toBe(1)
  expect(r.stdout).toBe('')
  const lines = String(r.stderr).split('\n').filter(Boolean)
  expect(lines).toHaveLength(1)
  return lines[0]!
}

describe('the launchers', () => {
  it('share one Node check, byte for byte', () => {
    expect(readFileSync(`${root}create-connector/bin/_require-node.js`, 'utf8')).toBe(
      readFileSync(`${root}packages/cli/bin/_require-node.js`, 'utf8'),
    )
  })
})

describe.each(OLD_MAJORS)('on Node %i', (major) => {
  const found = new RegExp(
    `this is Node\\.js ${major}\\.\\d+\\.\\d+ \\(\\S+/node\\); Patchbay needs Node\\.js 24 or newer`,
  )

  it('patchbay prints one line with the npx command that runs it on Node 24, and exits 1', () => {
    const line = oneLine(run(major, [patchbay, 'serve', '--port', '0']))
    expect(line).toMatch(new RegExp(`^patchbay: ${found.source}\\.`))
    expect(
      line.endsWith(
        `Run it with Node.js 24 from npm: npx -y -p ${nodePackage}@24 -c 'patchbay serve --port 0'`,
      ),
    ).toBe(true)
  })

  it('patchbay check-node, the check package scripts run, says the same', () => {
    const line = oneLine(run(major, [patchbay, 'check-node'], { npm_lifecycle_event: 'test' }))
    expect(line).toMatch(new RegExp(`^patchbay: ${found.source}\\.`))
    expect(line.endsWith(`npx -y -p ${nodePackage}@24 -c 'npm run test'`)).toBe(true)
  })

  it('create-connector prints one line whose command fetches it along with Node 24, and exits 1', () => {
    const line = oneLine(run(major, [createConnector, 'my connector', '--kind', 'source']))
    expect(line).toMatch(new RegExp(`^create-connector: ${found.source}\\.`))
    expect(
      line.endsWith(
        `npx -y -p ${nodePackage}@24 -p @patchbay/create-connector -c 'create-connector "my connector" --kind source'`,
      ),
    ).toBe(true)
  })

  it('on a platform npm has no Node for, each bin says to install Node 24, and exits 1', () => {
    for (const [bin, name] of [
      [patchbay, 'patchbay'],
      [createConnector, 'create-connector'],
    ] as const) {
      const line = oneLine(run(major, ['-r', freebsd, bin, '--version']))
      expect(line).toMatch(
        new RegExp(`^${name}: ${found.source}, and npm has no Node\\.js build for freebsd-x64\\.`),
      )
      expect(line).toMatch(
        new RegExp(
          `Install Node\\.js 24 \\(https://nodejs\\.org/en/download\\), then run: ${name} --version$`,
        ),
      )
    }
  })
})

describe('the command the line gives', () => {
  it('runs patchbay on Node 24 from a shell whose Node is 20', () => {
    const line = oneLine(run(20, [patchbay, '--version']))
    const fix = line.slice(line.indexOf('npx -y'))
    expect(fix).toBe(`npx -y -p ${nodePackage}@24 -c 'patchbay --version'`)
    const r = spawnSync('bash', ['-c', fix], {
      cwd: root,
      encoding: 'utf8',
      env: userEnv(pathWithout24([oldNodeDir(20), npmDir()])),
      timeout: 240_000,
    })
    expect(r.stderr).not.toContain('Patchbay needs')
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
    expect(r.status).toBe(0)
  })
})

describe("the checkout's postinstall (the end of npm ci)", () => {
  const check = `${root}scripts/check-node.js`

  it('fails npm ci with one line when the scripts would run an old Node: no node-<platform> installed', () => {
    const line = oneLine(run(20, [check]))
    expect(line).toMatch(
      /^patchbay: npm scripts here would run Node\.js 20\.\S+ \(\S+\); Patchbay needs Node\.js 24 or newer, /,
    )
    expect(line).toContain(`and npm installed no ${nodePackage} into node_modules. Install Node.js 24 `)
    expect(line).toMatch(/then run: npm ci$/)
  })

  it('fails npm ci with one line on a platform npm has no Node for', () => {
    const line = oneLine(run(18, ['-r', freebsd, check]))
    expect(line).toMatch(
      /and npm has no Node\.js build for freebsd-x64\. Install Node\.js 24 .*then run: npm ci$/,
    )
  })

  it('passes on Node 24, and says why the EBADENGINE warnings of an npm on Node 20 do not apply', () => {
    const env = userEnv(process.env.PATH ?? '', {
      npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64',
    })
    const r = spawnSync(process.execPath, [check], { cwd: root, encoding: 'utf8', env })
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe(
      `patchbay: npm ran on Node.js 20.20.2; npm scripts and npx in this checkout run Node.js ${process.versions.node} from node_modules/.bin (${nodePackage}), so EBADENGINE warnings about 20.20.2 do not apply.`,
    )
    const quiet = spawnSync(process.execPath, [check], {
      cwd: root,
      encoding: 'utf8',
      env: userEnv(process.env.PATH ?? ''),
    })
    expect(quiet.stdout).toBe('')
    expect(quiet.status).toBe(0)
  })
})
