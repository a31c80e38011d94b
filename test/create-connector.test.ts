// @long-pole 365: seconds in a CI run; the longest files start first (see vitest.config.ts).
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AUTH_STYLES, renderScaffold } from '../create-connector/src/index.ts'
import { root } from './_build.ts'
import { nodePackage, npmDir, oldNodeDir, pathWithout24, userEnv } from './_old-node.ts'
import {
  atCheckout,
  fromCheckout,
  releasedCommand,
  SCAFFOLD_FROM_CHECKOUT,
  tutorialCommands,
} from './_tutorial.ts'

// Scaffolds each kind into a temporary folder, installs it against this checkout's packages
// (packed tarballs: --local), and runs the generated package's own scripts, exactly as
// docs/first-connector.md tells a user to. A template change that breaks a generated
// package breaks this test.

const checkout = root.replace(/\/$/, '')
let work: string

/** A clean environment for the generated package: no vitest or npm state of this run. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^(VITEST|npm_|NODE_OPTIONS$|INIT_CWD$|TEST$)/.test(key)),
)
env.PATH = `${dirname(process.execPath)}:${env.PATH}`
env.NO_COLOR = '1'
env.CI = 'true'

/** Runs one shell command as the tutorial reader would; `cd` moves the reader. */
function shell(command: string, cwd: string) {
  const result = spawnSync('bash', ['-c', command], { cwd, env, encoding: 'utf8', timeout: 240_000 })
  const output = `${result.stdout}\n${result.stderr}`
  if (result.status !== 0) throw new Error(`\`${command}\` in ${cwd} exited ${result.status}:\n${output}`)
  return output
}

/** Runs a list of tutorial commands from `work`, following `cd`; returns each output. */
function follow(commands: string[]): { dir: string; outputs: Map<string, string> } {
  let dir = work
  const outputs = new Map<string, string>()
  for (const command of commands) {
    const cd = /^cd (\S+)$/.exec(command)
    if (cd) dir = join(dir, cd[1]!)
    else outputs.set(command, shell(command, dir))
  }
  return { dir, outputs }
}

const asLocal = (commands: string[]) => commands.map((c) => atCheckout(c, checkout))

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pb-first-connector-'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('Your first connector (docs/first-connector.md), run as written', () => {
  const commands = tutorialCommands()
  let destination: string

  it('leads with the scaffold command that works today, and gives the released one with the same flags', () => {
    expect(commands[0]!.startsWith(SCAFFOLD_FROM_CHECKOUT)).toBe(true)
    expect(fromCheckout(releasedCommand())).toBe(commands[0])
  })

  it('scaffolds, installs, tests, tries and builds a destination', { timeout: 600_000 }, () => {
    const { dir, outputs } = follow(asLocal(commands))
    destination = dir
    expect(outputs.get('npm test')).toMatch(/Tests\s+\d+ passed/)
    expect(outputs.get('npm test')).toContain('contract.test.ts')
    expect(outputs.get('npx patchbay validate')).toContain('@acme/destination-crm: valid')
    expect(outputs.get('npm run dev -- --once')).toMatch(/→ POST \/v1\/events\/bulk/)
    expect(outputs.get('npx patchbay send event.json')).toContain(
      '"url": "https://api.example.com/v1/users/ada"',
    )
    const types = readFileSync(join(dir, 'dist/index.d.ts'), 'utf8')
    expect(types).toContain('kind: "destination"')
    expect(types).toContain('token: Type.TString')
    // The build loads package.json at run time instead of bundling it.
    expect(readFileSync(join(dir, 'dist/index.js'), 'utf8')).toMatch(/from "\.\.\/package\.json" with/)
  })

  it("runs the author's current src: an edit after the build shows in patchbay test", {
    timeout: 300_000,
  }, () => {
    const file = join(destination, 'src/index.ts')
    const original = readFileSync(file, 'utf8')
    const url = 'url: `${config.endpoint}/events`'
    expect(original).toContain(url)
    writeFileSync(file, original.replace(url, 'url: `${config.endpoint}/events-v2`'))
    try {
      // dist/ was built from the old source; patchbay test must run the edit and so fail
      // the golden with the new path.
      const result = spawnSync('bash', ['-c', 'npx patchbay test'], {
        cwd: destination,
        env,
        encoding: 'utf8',
        timeout: 240_000,
      })
      expect(result.status).toBe(1)
      expect(`${result.stdout}${result.stderr}`).toContain('/events-v2')
      expect(shell('npx patchbay send event.json', destination)).toContain(
        '"url": "https://api.example.com/v1/users/ada"',
      )
    } finally {
      writeFileSync(file, original)
    }
    expect(shell('npx patchbay test', destination)).toMatch(/passed/)
  })

  // A source and a transformation depend on the same packages as the destination (one
  // template for package.json), so they use its installed node_modules instead of an install
  // of their own each, which took minutes on a busy CI machine.
  for (const kind of ['source', 'transformation'] as const) {
    it(`does the same for a ${kind}`, { timeout: 300_000 }, () => {
      const scaffold = commands[0]!
        .replace('@acme/destination-crm', `@acme/${kind}-demo`)
        .replace(/--kind destination --auth bearer --batching/, `--kind ${kind}`)
      const { outputs } = follow(
        asLocal([
          scaffold,
          `cd ${kind}-demo`,
          `ln -s ${join(destination, 'node_modules')} node_modules`,
          'npm test',
          'npx patchbay validate',
          'npm run dev -- --once',
          'npm run build',
        ]),
      )
      expect(outputs.get('npm test')).toMatch(/Tests\s+\d+ passed/)
      expect(outputs.get('npx patchbay validate')).toContain(`@acme/${kind}-demo: valid`)
      expect(outputs.get('npm run dev -- --once')).toContain('"type":"track"')
    })
  }

  // Every auth style, with and without batching, type-checks and passes its own tests. They
  // share the installed destination's node_modules, so this costs no extra install, and one
  // tsc and one vitest (a project per variant) check them all: tsc and vitest starting once
  // per variant cost about 10 s each.
  it('generates a green destination for every auth style, with and without batching, and a client destination', {
    timeout: 300_000,
  }, () => {
    const variants = join(work, 'variants')
    const names: string[] = []
    for (const auth of AUTH_STYLES)
      for (const batching of [false, true]) {
        const name = `${auth}${batching ? '-batching' : ''}`
        const dir = join(variants, name)
        const files = renderScaffold({
          kind: 'destination',
          name: '@acme/destination-crm',
          description: 'A variant',
          auth,
          batching,
          packageManager: 'npm',
          dir,
        })
        for (const [file, content] of files) {
          mkdirSync(dirname(join(dir, file)), { recursive: true })
          writeFileSync(join(dir, file), content)
        }
        symlinkSync(join(destination, 'node_modules'), join(dir, 'node_modules'))
        names.push(name)
      }
    // A client destination (--transport client): its own template on plugin API 2.
    const client = join(variants, 'client')
    for (const [file, content] of renderScaffold({
      kind: 'destination',
      name: '@acme/destination-db',
      description: 'Writes events through a client',
      auth: 'none',
      batching: false,
      transport: 'client',
      packageManager: 'npm',
      dir: client,
    })) {
      mkdirSync(dirname(join(client, file)), { recursive: true })
      writeFileSync(join(client, file), content)
    }
    symlinkSync(join(destination, 'node_modules'), join(client, 'node_modules'))
    names.push('client')
    symlinkSync(join(destination, 'node_modules'), join(variants, 'node_modules'))
    // The generated tsconfig, over every variant's files.
    writeFileSync(
      join(variants, 'tsconfig.json'),
      JSON.stringify({
        extends: `./${names[0]}/tsconfig.json`,
        include: names.flatMap((n) => [`${n}/src`, `${n}/test`, `${n}/*.ts`]),
      }),
    )
    writeFileSync(
      join(variants, 'vitest.config.ts'),
      `import { defineConfig } from 'vitest/config'
export default defineConfig({
  test: {
    projects: ${JSON.stringify(names)}.map((name) => ({
      test: { name, root: \`./\${name}\`, include: ['test/**/*.test.ts'] },
    })),
  },
})
`,
    )
    shell('npx tsc -p tsconfig.json', variants)
    const output = shell('npx vitest run', variants)
    expect(output).toMatch(/Tests\s+\d+ passed/)
    expect(output).not.toMatch(/failed/)
    // Every variant ran its own contract and golden tests; the client destination its deliver tests too.
    for (const name of names) expect(output).toContain(`|${name}| test/contract.test.ts`)
    expect(output).toContain('|client| test/deliver.test.ts')
    expect(shell('npx patchbay validate', client)).toContain('@acme/destination-db: valid')
  })

  it("on Node 20, the connector's npm test says in one line what to run, and that command passes", () => {
    // The machine's Node is 20 and there is no Node 24 on PATH; npm itself runs on Node 20.
    const old = userEnv(pathWithout24([oldNodeDir(20), npmDir()]), { CI: 'true' })
    const r = spawnSync('npm', ['test'], { cwd: destination, env: old, encoding: 'utf8', timeout: 120_000 })
    expect(r.status).not.toBe(0)
    const ours = r.stderr.split('\n').filter((l) => l.startsWith('patchbay: '))
    expect(ours).toEqual([
      expect.stringMatching(
        /^patchbay: this is Node\.js 20\.\d+\.\d+ \(\S+\); Patchbay needs Node\.js 24 or newer\./,
      ),
    ])
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/^\s+at /m)
    expect(r.stdout).not.toContain('RUN') // vitest never started
    const fix = ours[0]!.slice(ours[0]!.indexOf('npx -y'))
    expect(fix).toBe(`npx -y -p ${nodePackage}@24 -c 'npm run test'`)
    const fixed = spawnSync('bash', ['-c', fix], {
      cwd: destination,
      env: old,
      encoding: 'utf8',
      timeout: 240_000,
    })
    expect(fixed.stdout).toMatch(/Tests\s+\d+ passed/)
    expect(fixed.status).toBe(0)
  })
})
