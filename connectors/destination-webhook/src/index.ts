export { type WebhookAuth, type WebhookConfig, WebhookConfigSchema } from './config.ts'
export { createWebhookDestination, default, type WebhookDestinationOptions } from './destination.ts'
export { MESSAGE_ID_HEADER } from './headers.ts'
export {
  DEFAULT_TOLERANCE_SEC,
  SIGNATURE_HEADER,
  type SignatureFailure,
  signPayload,
  type VerifyOptions,
  type VerifyResult,
  verifySignature,
} from './signature.ts'
