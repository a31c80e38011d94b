/**
 * Every error code Patchbay can raise, in one place.
 *
 * Codes are stable: they are part of the public API, appear in outcomes, logs and
 * `--json` output, and are documented in docs/errors.md (a test keeps that table and
 * this list in sync). Add new codes at the end of their group; never rename one.
 */
export const ERROR_CODES = {
  // configuration and plugins
  PB_CONFIG_INVALID: {
    family: 'configuration',
    description: 'A plugin config does not match the plugin config schema.',
    howToSolve: 'Fix the field named in the message; `patchbay validate` lists every problem at once.',
  },
  PB_CONFIG_MIGRATION_FAILED: {
    family: 'configuration',
    description: 'A config migration between plugin majors threw or produced an invalid config.',
    howToSolve:
      'Update the config by hand for the new major (see the plugin changelog), or pin the old major.',
  },
  PB_PLUGIN_NOT_FOUND: {
    family: 'configuration',
    description: 'No installed or local plugin matches the requested name and version range.',
    howToSolve: 'Install the package (`npm i <name>`), fix the range, or point `use:` at a local path.',
  },
  PB_PLUGIN_INVALID: {
    family: 'configuration',
    description: 'A module was loaded as a plugin but does not export a valid plugin definition.',
    howToSolve: 'Default-export the result of defineSource, defineDestination or defineTransformation.',
  },
  PB_CHECK_FAILED: {
    family: 'configuration',
    description:
      "A plugin's connection check (its `check` hook) failed with an error that is not a Patchbay error.",
    howToSolve:
      'Read the message: the config is probably wrong (URL, credentials). Plugin authors: throw a ConfigurationError saying what was refused.',
  },
  PB_PLUGIN_API_MISMATCH: {
    family: 'configuration',
    description: 'The plugin was written for a plugin API version this core does not support.',
    howToSolve:
      'Install a plugin version built for this core, or a core version that supports the plugin API.',
  },
  PB_PIPELINE_INVALID: {
    family: 'configuration',
    description: 'A pipeline file could not be parsed or does not match the pipeline schema.',
    howToSolve: 'Fix the file at the line and field named in the message.',
  },
  // events
  PB_EVENT_INVALID: {
    family: 'event',
    description: 'An event does not match the event protocol (missing identity, wrong field type, ...).',
    howToSolve: 'Fix the sender, or add a transformation that repairs or drops such events.',
  },
  PB_EVENT_UNSUPPORTED: {
    family: 'event',
    description: 'A destination received an event type it does not support.',
    howToSolve:
      'Add a `filter` to the destination in the pipeline, or use a destination that supports the type.',
  },
  PB_EVENT_TOO_LARGE: {
    family: 'event',
    description: 'An event is larger than a limit: the gateway per-event limit, or a destination batch size.',
    howToSolve:
      'Trim large fields in a transformation, or raise the limit the message names if the receiver accepts it.',
  },
  PB_TRANSFORM_FAILED: {
    family: 'event',
    description: 'A transformation or destination mapping threw while handling an event.',
    howToSolve: 'Read the message and location; fix the transformation code or the event.',
  },
  PB_TRANSFORM_INVALID_OUTPUT: {
    family: 'event',
    description: 'A transformation returned something that is not an event, an array of events or null.',
    howToSolve: 'Return an event object, an array of them to fan out, or null to drop.',
  },
  PB_JSON_INVALID: {
    family: 'event',
    description:
      'JSON input was refused: not UTF-8, not valid JSON, nested deeper than the limit, or holding a `__proto__` or `constructor.prototype` key.',
    howToSolve:
      'The message says where (byte offset, JSON pointer, file:line): send UTF-8, flatten the nesting, or rename the key.',
  },
  // delivery
  PB_DELIVERY_RETRYABLE: {
    family: 'retryable',
    description: 'The destination failed in a way that may succeed later (5xx, 408, network error).',
    howToSolve: 'Nothing, usually: it is retried with backoff. If it persists, check the destination health.',
  },
  PB_DELIVERY_TIMEOUT: {
    family: 'retryable',
    description: 'Connecting, waiting for headers or reading the body took longer than its timeout.',
    howToSolve: 'It is retried. Raise `delivery.timeouts` if the destination is slow but healthy.',
  },
  PB_DELIVERY_THROTTLED: {
    family: 'retryable',
    description: 'The destination rate-limited the request (429); Retry-After is honoured.',
    howToSolve:
      'It is retried after the delay. Lower `delivery.concurrency` or batch more events per request.',
  },
  PB_DELIVERY_ABORTED: {
    family: 'aborted',
    description:
      'The destination rejected the request in a way retrying cannot fix (4xx other than 408/429, 501).',
    howToSolve: 'Read the recorded response; fix the config (credentials, URL) or the mapping.',
  },
  PB_DELIVERY_EXHAUSTED: {
    family: 'aborted',
    description: 'A retryable failure persisted past the configured attempts or total retry time.',
    howToSolve:
      'Check the destination; raise `delivery.retry.maxAttempts` or `maxElapsedMs` for long outages.',
  },
  PB_EGRESS_DENIED: {
    family: 'aborted',
    description:
      'The egress policy forbids the address (anything but public unicast: private, loopback, link-local, unique-local, ...), in any spelling.',
    howToSolve: 'Add the host or address to `egress.allow`, or set `egress.allowPrivate: true` if intended.',
  },
  // sandbox
  PB_SANDBOX_NODE_FLAG: {
    family: 'configuration',
    description: 'Node was started without `--no-node-snapshot`, which isolated-vm needs.',
    howToSolve:
      'Start Node with `node --no-node-snapshot`, or set NODE_OPTIONS=--no-node-snapshot; the patchbay bin does this itself.',
  },
  PB_SANDBOX_COMPILE: {
    family: 'configuration',
    description: 'User transform code failed to transpile or compile.',
    howToSolve: 'Fix the syntax error at the reported line and column.',
  },
  PB_SANDBOX_IMPORT: {
    family: 'configuration',
    description: 'User transform code imports a module that is not one of the built-in libraries.',
    howToSolve: 'Use only the libraries listed in docs/transformations.md, or inline the code you need.',
  },
  PB_SANDBOX_EXPORT: {
    family: 'configuration',
    description: 'User transform code does not export exactly one of transformEvent or transformBatch.',
    howToSolve: 'Export `transformEvent(event, metadata)` or `transformBatch(events, metadata)`.',
  },
  PB_SANDBOX_MEMORY_LIMIT: {
    family: 'event',
    description: 'User transform code exceeded the isolate memory limit; its batch failed.',
    howToSolve: 'Reduce what the transform keeps in memory, or raise the memory limit.',
    effect: 'takes-worker-down',
  },
  PB_SANDBOX_TIMEOUT: {
    family: 'event',
    description: 'User transform code exceeded its CPU or wall-clock time limit.',
    howToSolve: 'Look for an endless loop, a slow regex or a promise that never settles; or raise the limit.',
    effect: 'takes-worker-down',
  },
  PB_SANDBOX_OUTPUT_LIMIT: {
    family: 'event',
    description: 'User transform code returned more data than the output size cap allows.',
    howToSolve: 'Return smaller events, or raise the output cap.',
    effect: 'poisons-batch',
  },
  PB_SANDBOX_CRASHED: {
    family: 'event',
    description:
      'The sandbox worker process running the batch died (a V8 fatal error, its memory cap, or a missed heartbeat); the batch failed and the worker was replaced.',
    howToSolve:
      'Look for code that builds huge arrays, maps or strings in one call; the gateway dead-letters an event that keeps taking workers down.',
    effect: 'takes-worker-down',
  },
  PB_SANDBOX_POISON: {
    family: 'event',
    description:
      'The gateway stopped running an event through the transformations because earlier attempts took a sandbox worker (or the gateway) down too many times.',
    howToSolve:
      'Inspect the dead letter, fix the transform, then replay it with `patchbay dlq replay`; `sandbox.maxTransformAttempts` sets how many attempts are allowed.',
  },
  PB_SANDBOX_FETCH_DENIED: {
    family: 'event',
    description: 'User transform code called fetch for a host the operator did not allow.',
    howToSolve: 'Add the host to the sandbox `fetch.allow` list, or remove the call.',
  },
  // gateway (HTTP ingestion)
  PB_GATEWAY_UNAUTHORIZED: {
    family: 'event',
    description: 'A request to the gateway had no write key, or one no source of the pipeline has.',
    howToSolve:
      'Send the source write key as HTTP Basic auth (the key as user name, empty password), or `?writeKey=` for webhooks.',
  },
  PB_GATEWAY_BODY_INVALID: {
    family: 'event',
    description:
      'A request body could not be read: malformed JSON, bad gzip, or not the shape the endpoint takes.',
    howToSolve:
      'Send a JSON object (gzip-compressed with `Content-Encoding: gzip` if you like) as the endpoint documents.',
  },
  PB_GATEWAY_BODY_TOO_LARGE: {
    family: 'event',
    description:
      'A request body is larger than the gateway batch limit (500 KB by default), after decompression.',
    howToSolve: 'Send fewer events per batch; the SDKs split batches at this size themselves.',
  },
  PB_GATEWAY_NOT_FOUND: {
    family: 'event',
    description: 'No gateway endpoint, or no source of the pipeline, has that path.',
    howToSolve:
      'Use one of the endpoints in the HTTP API docs; for webhooks, the path names a source id of the pipeline.',
  },
  PB_GATEWAY_OVERLOADED: {
    family: 'retryable',
    description: 'The gateway queue is past its size or age limit, so it refuses new events for now (503).',
    howToSolve:
      'Retry after the Retry-After delay (the SDKs do). Operators: see why deliveries lag (`/metrics`), or raise the limits.',
  },
  PB_GATEWAY_DATA_DIR: {
    family: 'configuration',
    description:
      'The gateway data directory cannot be used: not writable, corrupt, or held by another gateway.',
    howToSolve:
      'The message names the directory and the problem: stop the gateway that holds it, fix its permissions, restore a backup of a damaged file, or point --data-dir elsewhere.',
  },
  PB_GATEWAY_LISTEN: {
    family: 'configuration',
    description:
      'The gateway cannot listen on the host and port it was given (in use, or not an address of this machine).',
    howToSolve: 'Pick another port with --port (0 takes any free one), or another --host.',
  },
  PB_GATEWAY_BAD_REQUEST: {
    family: 'event',
    description: 'The gateway cannot read the request target (a path that is not a URL path).',
    howToSolve: 'Send an origin-form path such as `/v1/batch`, as the HTTP API docs show.',
  },
  PB_GATEWAY_STORAGE_FULL: {
    family: 'retryable',
    description:
      'The disk of the gateway data directory is full, so it refuses new events for now (503) while it keeps delivering what it holds.',
    howToSolve:
      'Retry after the Retry-After delay (the SDKs do). Operators: free space on the data directory disk; the gateway accepts again by itself.',
  },
} as const satisfies Record<
  string,
  { family: ErrorFamily; description: string; howToSolve: string; effect?: BatchEffect }
>

/**
 * What an error does to the batch it happened in, whichever event caused it:
 * `poisons-batch` fails every event of the batch (a host bisects the batch to find the
 * culprit); `takes-worker-down` also took the worker down (a host counts the attempt against
 * each event and retries it alone). Hosts read it from the error (`PatchbayError.poisonsBatch`,
 * `takesWorkerDown`), never from a list of codes.
 */
export type BatchEffect = 'poisons-batch' | 'takes-worker-down'

/** How the runtime treats an error: retry it, give up on it, or report it as bad input/config. */
export type ErrorFamily = 'configuration' | 'event' | 'retryable' | 'aborted'

export type ErrorCode = keyof typeof ERROR_CODES
export type CodesOf<F extends ErrorFamily> = {
  [K in ErrorCode]: (typeof ERROR_CODES)[K]['family'] extends F ? K : never
}[ErrorCode]
