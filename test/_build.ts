import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('..', import.meta.url))

/**
 * Builds the workspace packages these tests load from dist/ when a fresh clone has not built
 * them yet (`npm run build` is the README's first command; `npm test` alone still works).
 */
export function ensureBuilt(dirs: string[]): void {
  for (const dir of dirs) {
    const pkg = JSON.parse(readFileSync(`${root}${dir}/package.json`, 'utf8'))
    if (!existsSync(`${root}${dir}/dist/index.js`)) {
      execFileSync('npm', ['run', 'build', '--silent', '-w', pkg.name], { cwd: root, stdio: 'ignore' })
    }
  }
}

/** Every workspace package's folder, in the root package.json's order (dependencies first). */
export function workspaceDirs(): string[] {
  const workspaces = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).workspaces as string[]
  return workspaces.flatMap((w) =>
    w.endsWith('/*')
      ? readdirSync(`${root}${w.slice(0, -2)}`)
          .sort()
          .map((name) => `${w.slice(0, -2)}/${name}`)
      : [w],
  )
}
