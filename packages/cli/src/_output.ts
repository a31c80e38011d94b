/** Where commands write: results to stdout, progress and diagnostics to stderr. */
export interface Output {
  out(text: string): void
  err(text: string): void
  /** True when stderr is a terminal: show progress and colour. */
  readonly tty: boolean
}

export const processOutput: Output = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  tty: Boolean(process.stderr.isTTY) && process.env.CI !== 'true',
}

/** Colour only when both streams are terminals: piped output (`| less`, `> file`) stays plain. */
const useColor = () => processOutput.tty && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR
const paint = (code: number) => (s: string) => (useColor() ? `\u001b[${code}m${s}\u001b[0m` : s)
export const color = { red: paint(31), green: paint(32), yellow: paint(33), dim: paint(2), bold: paint(1) }
