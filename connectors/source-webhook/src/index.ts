import { createWebhookSource } from './source.ts'

export { type WebhookSourceConfig, WebhookSourceConfigSchema } from './config.ts'
export { createWebhookSource, type WebhookSourceOptions } from './source.ts'

/** The webhook source, ready for a pipeline's `sources:`. */
export default createWebhookSource()
