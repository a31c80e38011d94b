// Starts the CLI, on a Node that bin/patchbay.js found new enough.
//
// isolated-vm (the sandbox for user transforms) needs Node started with --no-node-snapshot;
// commands run in a child Node with the flag, so users never type it. `--help` and
// `--version` never reach the sandbox, so they run here, without a second Node.
import { spawn } from 'node:child_process'
import module from 'node:module'

// Reuse V8's compiled code across runs (in the OS temp dir, or NODE_COMPILE_CACHE).
module.enableCompileCache?.()

const FLAG = '--no-node-snapshot'
const args = process.argv.slice(2)
const hasFlag =
  process.execArgv.includes(FLAG) || (process.env.NODE_OPTIONS ?? '').split(/\s+/).includes(FLAG)
const helpOrVersion =
  args.length === 0 ||
  args.includes('--help') ||
  args.includes('-h') ||
  (args.length === 1 && (args[0] === '--version' || args[0] === '-v'))

if (hasFlag || helpOrVersion) {
  const { main } = await import('../dist/main.js')
  await main(args)
} else {
  // The IPC channel lets the child notice when this launcher dies, even by SIGKILL, and stop
  // instead of living on as an orphan (a gateway holding its port and data directory).
  const child = spawn(process.execPath, [...process.execArgv, FLAG, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal)
    else process.exit(code ?? 1)
  })
}
