// The child of the sandbox.boundary figures (sandbox.bench.ts): a bare Node process that
// answers each batch at once, with no isolate and no user code, so that what the host
// measures is the process boundary alone. `clone`: the events go back as they came (V8's
// structured clone both ways, as the sandbox's IPC does). `json`: they go back as the JSON
// text of the sandbox's output, which the host parses, as a sandbox answer crosses.
const mode = process.argv[2]
process.on('message', (message: { id: number; events: unknown[] }) => {
  const answer =
    mode === 'json'
      ? { id: message.id, output: `{"r":[${message.events.map((e) => `[${JSON.stringify(e)}]`).join(',')}]}` }
      : { id: message.id, events: message.events }
  process.send!(answer)
})
process.on('disconnect', () => process.exit(0))
process.send!({ ready: true })
