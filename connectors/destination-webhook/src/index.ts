// @patchbay/destination-webhook. Files:
//   destination.ts  createWebhookDestination and the default export (defineDestination)
//   config.ts       the TypeBox config schema (WebhookConfigSchema)
//   signature.ts    signPayload / verifySignature (HMAC-SHA256, t=<unix>,v1=<hex>)
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
  SIGNATURE_HEADER,
  type SignatureFailure,
  signPayload,
  type VerifyOptions,
  type VerifyResult,
  verifySignature,
} from './signature.ts'
