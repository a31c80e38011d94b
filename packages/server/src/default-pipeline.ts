import { fileURLToPath } from 'node:url'

/**
 * The pipeline `patchbay serve` runs without one: a source with the write key
 * `$PATCHBAY_WRITE_KEY` (default `pb_dev_write_key`) and a webhook destination to
 * `$PATCHBAY_RECEIVER_URL/events`.
 */
export const DEFAULT_PIPELINE_FILE = fileURLToPath(new URL('../defaults/pipeline.yaml', import.meta.url))

/** The write key of the default pipeline when PATCHBAY_WRITE_KEY is not set. */
export const DEV_WRITE_KEY = 'pb_dev_write_key'
