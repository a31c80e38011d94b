/** Airbyte states, merged into one document: what is checkpointed and passed back as `--state`. */
export interface AirbyteStateDocument {
  /** Per-stream states (type STREAM) by `namespace.name` (or `name`). */
  streams: Record<string, unknown>
  /** The last GLOBAL state (shared state and its stream states). */
  global?: unknown
  /** The last LEGACY state's `data`. */
  legacy?: unknown
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

export const streamKey = (descriptor: { name: string; namespace?: unknown }) =>
  typeof descriptor.namespace === 'string' && descriptor.namespace !== ''
    ? `${descriptor.namespace}.${descriptor.name}`
    : descriptor.name

/**
 * Folds one STATE message's `state` into the document: a STREAM state replaces that stream's,
 * a GLOBAL state replaces the global one, a LEGACY state (or one without `type`) the legacy
 * data. Returns a new document, or an error message.
 */
export function mergeState(doc: AirbyteStateDocument, state: unknown): AirbyteStateDocument | string {
  if (!isObject(state)) return 'a STATE message needs a "state" object'
  switch (state.type ?? 'LEGACY') {
    case 'STREAM': {
      const stream = state.stream as Record<string, unknown> | undefined
      const descriptor = stream?.stream_descriptor as { name?: unknown; namespace?: unknown } | undefined
      if (!isObject(stream) || typeof descriptor?.name !== 'string')
        return 'a STREAM state needs "stream.stream_descriptor.name"'
      return {
        ...doc,
        streams: {
          ...doc.streams,
          [streamKey({ name: descriptor.name, namespace: descriptor.namespace })]: stream,
        },
      }
    }
    case 'GLOBAL':
      if (!isObject(state.global)) return 'a GLOBAL state needs a "global" object'
      return { ...doc, global: state.global }
    case 'LEGACY':
      return { ...doc, legacy: state.data }
    default:
      return `unknown state type ${JSON.stringify(state.type)} (Airbyte has STREAM, GLOBAL, LEGACY)`
  }
}

/** The `--state` file an Airbyte source reads back: state messages, or the legacy data. */
export function stateInput(doc: AirbyteStateDocument | undefined): unknown {
  if (!doc) return undefined
  const messages: unknown[] = []
  if (doc.global !== undefined) messages.push({ type: 'GLOBAL', global: doc.global })
  for (const stream of Object.values(doc.streams)) messages.push({ type: 'STREAM', stream })
  if (messages.length > 0) return messages
  return doc.legacy
}
