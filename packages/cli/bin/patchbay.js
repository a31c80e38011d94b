#!/usr/bin/env node
// The patchbay launcher. isolated-vm (the sandbox for user transforms) needs Node started
// with --no-node-snapshot; this relaunches Node with the flag so users never have to.
import { spawn } from 'node:child_process'

const FLAG = '--no-node-snapshot'
const hasFlag =
  process.execArgv.includes(FLAG) || (process.env.NODE_OPTIONS ?? '').split(/\s+/).includes(FLAG)

if (hasFlag) {
  const { main } = await import('../dist/main.js')
  await main(process.argv.slice(2))
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
