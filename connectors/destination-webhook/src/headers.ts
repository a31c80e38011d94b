/**
 * The header that carries a single event's messageId, so receivers can deduplicate
 * retries. Batches do not have it: each array element carries its own `messageId`.
 */
export const MESSAGE_ID_HEADER = 'x-patchbay-message-id'
