import { defineErrorCodes } from '@patchbay/core'

/**
 * The error codes of @patchbay/server: the gateway's HTTP ingestion and its data directory.
 * Registered in core's registry when this module loads; documented in docs/errors.md.
 * Add new codes at the end; never rename one.
 */
export const GATEWAY_ERROR_CODES = defineErrorCodes('@patchbay/server', {
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
  PB_GATEWAY_STORE_UNAVAILABLE: {
    family: 'retryable',
    description:
      'The gateway cannot reach its PostgreSQL store (restarting, or the network to it is cut), so it refuses new events for now (503); nothing it acknowledged is lost.',
    howToSolve:
      'Retry after the Retry-After delay (the SDKs do). Operators: bring PostgreSQL back; the gateway accepts and delivers again by itself.',
  },
  PB_GATEWAY_STORE_URL: {
    family: 'configuration',
    description:
      'The `--store` URL (or PATCHBAY_STORE_URL) is not one the gateway can open, or its database refused the connection.',
    howToSolve:
      'Give a `postgres://user@host:port/database` URL of a reachable PostgreSQL 13+ server whose user may create tables, or leave it out to use the SQLite data directory.',
  },
  PB_GATEWAY_REGULATION_INVALID: {
    family: 'event',
    description:
      'A regulation sent to the admin API (or `patchbay regulations add`) is not one the gateway can apply: an unknown type, no identifiers, or an identifier type the gateway does not read.',
    howToSolve:
      'Send `{ "type": "suppress" or "suppress_with_delete", "identifiers": [{ "type": "userId", "value": "..." }] }`; identifier types are userId, anonymousId and the traits in the gateway option `regulations.traits` (default: email).',
  },
  PB_GATEWAY_IDENTITY_OFF: {
    family: 'configuration',
    description:
      'An identity admin call (`/admin/identity/...`, or `patchbay identity` with --gateway) reached a gateway whose pipeline has no `identity:` block, so it keeps no identity graph (409).',
    howToSolve:
      'Add an `identity:` block to the pipeline file (`identity: {}` takes the defaults; docs/identity.md) and restart the gateway, or ask the gateway that stitches.',
  },
})

declare module '@patchbay/core' {
  interface ErrorCodeRegistry extends GatewayErrorCodes {}
}
type GatewayErrorCodes = typeof GATEWAY_ERROR_CODES
