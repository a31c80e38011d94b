import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const script = fileURLToPath(new URL('./_regulation-gateway.ts', import.meta.url))
const skewScript = fileURLToPath(new URL('./_skewed-clock.ts', import.meta.url))

/**
 * A gateway in its own process (_regulation-gateway.ts, as `patchbay serve` runs it), added
 * to `children` for the caller to kill; resolves with its URL once it listens. With `skewMs`,
 * its `Date.now` is that far off (_skewed-clock.ts).
 */
export function spawnRegulationGateway(
  children: Set<ChildProcess>,
  config: { dataDir: string; receiverUrl: string; options?: object },
  skewMs?: number,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '--no-node-snapshot',
      '--conditions=@patchbay/source',
      ...(skewMs === undefined ? [] : [`--import=${skewScript}`]),
      script,
      JSON.stringify(config),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(skewMs === undefined ? {} : { env: { ...process.env, PB_TEST_CLOCK_SKEW_MS: String(skewMs) } }),
    },
  )
  children.add(child)
  let stderr = ''
  child.stderr!.on('data', (c) => {
    stderr += c
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk) => {
      out += chunk
      const ready = /^ready (\S+)$/m.exec(out)
      if (ready) resolve({ url: ready[1]!, child })
      const failed = /^failed (.*)$/m.exec(out)
      if (failed) reject(new Error(failed[1]))
    })
    child.once('exit', (code, signal) =>
      reject(new Error(`the gateway exited (${signal ?? code}): ${stderr}`)),
    )
  })
}
