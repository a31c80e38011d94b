import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
export const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs the real CLI in a child process, from its TypeScript sources (Node 24 strips the
 * types; the @patchbay/source condition resolves workspace packages to their sources).
 */
export function runCli(
  args: string[],
  options: { cwd?: string; stdin?: string; env?: Record<string, string> } = {},
) {
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--no-node-snapshot', '--conditions=@patchbay/source', main, ...args],
      {
        cwd: options.cwd ?? fixtures,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => (stdout += c))
    child.stderr.on('data', (c) => (stderr += c))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.stdin ?? '')
  })
}
