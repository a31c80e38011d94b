import { defineErrorCodes } from './registry.ts'

/**
 * The error codes of @patchbay/core: configuration, events, transformation and delivery,
 * shared by every plugin. Other packages register their own with {@link defineErrorCodes}.
 *
 * Codes are stable: they are part of the public API, appear in outcomes, logs and
 * `--json` output, and are documented in docs/errors.md (a test keeps that table and
 * the registry in sync). Add new codes at the end of their group; never rename one.
 */
export const ERROR_CODES = defineErrorCodes('@patchbay/core', {
  // configuration and plugins
  PB_CONFIG_INVALID: {
    family: 'configuration',
    description: 'A plugin config does not match the plugin config schema.',
    howToSolve:
      'Fix the field named in the message; `patchbay plugins --about <plugin>` lists every setting with its type and default.',
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
  PB_DELIVERY_WITHHELD: {
    family: 'retryable',
    description:
      'Not sent: the caller said to stop before this request went out (the gateway, when its lease on the events may have run out).',
    howToSolve:
      'Nothing: the events were not sent and stay queued. On the gateway with PostgreSQL, see why the node lost its lease (stopped, or cut off from the database).',
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
  // extractors (Singer taps, Airbyte sources) and syncs
  PB_EXTRACT_SPAWN: {
    family: 'configuration',
    description: 'An extractor command could not be started (not found, not executable).',
    howToSolve:
      'Fix `command` in the source config: an executable on PATH or a path relative to the pipeline file.',
  },
  PB_EXTRACT_FAILED: {
    family: 'retryable',
    description:
      'An extractor exited with a non-zero code or was killed by a signal; the sync stopped at the line named, with no checkpoint after it.',
    howToSolve:
      'Read the stderr lines in the message and the log; the next sync resumes from the last checkpoint.',
  },
  PB_EXTRACT_TIMEOUT: {
    family: 'retryable',
    description:
      'An extractor ran past `timeoutSeconds`, or printed nothing for `idleTimeoutSeconds`; it was killed with its process group.',
    howToSolve: 'Look for a hung API call in the extractor, or raise the timeout in the source config.',
  },
  PB_EXTRACT_LINE_TOO_LONG: {
    family: 'event',
    description: 'An extractor printed a line longer than the limit (garbage output, or a huge record).',
    howToSolve:
      'Check the extractor writes one JSON message per line to stdout (logs go to stderr), or raise `maxLineLength`.',
  },
  PB_RECORD_UNMAPPABLE: {
    family: 'event',
    description:
      'A record lacks a field its stream mapping needs (userId, groupId or a primary key field), or the field is not a string or number.',
    howToSolve: 'Point the mapping at a field every record has (see the line named), or fix the extractor.',
  },
  PB_STREAM_UNMAPPED: {
    family: 'configuration',
    description:
      'A stream of the catalog or of the extractor output has no mapping in the source config `streams:`.',
    howToSolve: 'Add a mapping for the stream (identify, track or group), or deselect it in the catalog.',
  },
  PB_STATE_UNREADABLE: {
    family: 'configuration',
    description: 'A saved sync state file is not valid JSON.',
    howToSolve:
      'Restore the file from a backup, or delete it to run a full sync (records are deduplicated by messageId).',
  },
})
