/**
 * Splits a stream of text into lines at `\n` only, dropping the `\r` of a `\r\n` ending: the
 * lines an editor, `sed -n 42p` and the log source's HTTP `parse` count. Node's readline also
 * breaks at a lone `\r` (a progress bar in an application log), which would make one line
 * several and shift the number of every line after it. A last line without `\n` is a line.
 */
export async function* splitLines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let pending = ''
  for await (const chunk of chunks) {
    let start = 0
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      const line = pending + chunk.slice(start, end)
      pending = ''
      start = end + 1
      yield withoutCr(line)
    }
    pending += chunk.slice(start)
  }
  if (pending !== '') yield withoutCr(pending)
}

const withoutCr = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line)
