/**
 * Resolves with the name of the first SIGINT, SIGTERM or SIGHUP `signals` receives.
 *
 * Call it before telling anyone the process is ready: a signal that arrives while no listener
 * is installed gets Node's default action, which kills the process without a shutdown. The
 * listeners stay installed, so a repeat is ignored: Ctrl-C in a terminal reaches a command
 * twice (from the terminal, and forwarded by bin/patchbay.js), and the second must not cut
 * the shutdown half way.
 */
export function untilStopSignal(signals: NodeJS.EventEmitter = process): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) signals.on(signal, () => resolve(signal))
  })
}
