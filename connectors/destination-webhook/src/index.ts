// @patchbay/destination-webhook. Files:
//   destination.ts  createWebhookDestination and the default export (defineDestination)
//   config.ts       the TypeBox config schema (WebhookConfigSchema)
//   signature.ts    signRequest / verifySignature / verifyRequest (HMAC-SHA256, t=<unix>,v2=<hex>)
//   headers.ts      header names receivers rely on
//   _compat.ts      RudderStack conventions: fullPath, appendPath, header, request_ip
//   _template.ts    {{path}} URL templates
//   _flatten.ts     dot-path flattening for GET/DELETE queries and form bodies
//   _auth.ts        credentials to headers / query
//   _request.ts     one event to one request; header precedence; signing
//   _batch.ts       many events to JSON-array requests within maxEvents / maxBytes
export { type WebhookAuth, type WebhookConfig, WebhookConfigSchema } from './config.ts'
export { createWebhookDestination, default, type WebhookDestinationOptions } from './destination.ts'
export { MESSAGE_ID_HEADER } from './headers.ts'
export {
  DEFAULT_TOLERANCE_SEC,
  type ReceivedRequest,
  SIGNATURE_HEADER,
  type SignatureFailure,
  type SignedRequest,
  signPayload,
  signRequest,
  type VerifyOptions,
  type VerifyResult,
  verifyRequest,
  verifySignature,
} from './signature.ts'
