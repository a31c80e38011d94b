import { Secret } from '@patchbay/core'
import Type, { type Static } from 'typebox'
import { SIGNATURE_HEADER } from './signature.ts'

/** `{{ path }}` placeholders: dot paths over event fields, e.g. `{{properties.plan}}`, `{{items.0.id}}`. */
const PLACEHOLDER = String.raw`\{\{\s*[A-Za-z_$][\w$-]*(?:\.[\w$-]+)*\s*\}\}`
/** An absolute http(s) URL whose only braces are well-formed placeholders. */
const URL_TEMPLATE = String.raw`^https?://(?:[^{}\s]|${PLACEHOLDER})+$`
/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
/** A header value: no line breaks or other control characters besides tab. */
export const HEADER_VALUE = '^[^\\u0000-\\u0008\\u000A-\\u001F\\u007F]*$'

const AuthNone = Type.Object({ type: Type.Literal('none') }, { additionalProperties: false })
const AuthBasic = Type.Object(
  {
    type: Type.Literal('basic'),
    username: Type.String({ minLength: 1, pattern: '^[^:]*$', description: 'User name (no colon).' }),
    password: Secret(Type.String({ description: 'Password.' })),
  },
  {
    additionalProperties: false,
    description: 'HTTP Basic: `Authorization: Basic base64(username:password)`.',
  },
)
const AuthBearer = Type.Object(
  {
    type: Type.Literal('bearer'),
    token: Secret(Type.String({ minLength: 1, description: 'The token.' })),
  },
  { additionalProperties: false, description: '`Authorization: Bearer <token>`.' },
)
const AuthApiKey = Type.Object(
  {
    type: Type.Literal('apiKey'),
    in: Type.Union([Type.Literal('header'), Type.Literal('query')], {
      description: 'Send the key as a header or as a query parameter.',
    }),
    name: Type.String({
      minLength: 1,
      pattern: HEADER_NAME,
      description: 'Header or query parameter name, e.g. `X-Api-Key` or `api_key`.',
    }),
    value: Secret(Type.String({ minLength: 1, pattern: HEADER_VALUE, description: 'The key.' })),
  },
  { additionalProperties: false, description: 'An API key in a header or in the query.' },
)

/**
 * The webhook destination's config. Every field but `url` has a default; secret fields
 * (`auth.password`, `auth.token`, `auth.value`, `signing.secret`) are redacted from logs,
 * errors and recorded requests.
 */
export const WebhookConfigSchema = Type.Object(
  {
    url: Type.String({
      pattern: URL_TEMPLATE,
      description:
        'Absolute http(s) URL. May hold `{{path}}` placeholders over event fields (`{{userId}}`, `{{properties.plan}}`), replaced URL-encoded.',
      examples: ['https://hooks.example.com/patchbay', 'https://api.example.com/users/{{userId}}'],
    }),
    method: Type.Union(
      [
        Type.Literal('GET'),
        Type.Literal('POST'),
        Type.Literal('PUT'),
        Type.Literal('PATCH'),
        Type.Literal('DELETE'),
      ],
      {
        default: 'POST',
        description:
          'POST, PUT and PATCH send the event as the body; GET and DELETE send properties as the query.',
      },
    ),
    headers: Type.Record(Type.String(), Type.String({ pattern: HEADER_VALUE }), {
      propertyNames: { pattern: HEADER_NAME },
      default: {},
      description: 'Static headers sent with every request.',
    }),
    auth: Type.Union([AuthNone, AuthBasic, AuthBearer, AuthApiKey], {
      default: { type: 'none' },
      description: 'How to authenticate: none, basic, bearer or apiKey.',
    }),
    bodyFormat: Type.Union([Type.Literal('json'), Type.Literal('form')], {
      default: 'json',
      description: 'json: the event as JSON. form: the event flattened to dot paths, form-urlencoded.',
    }),
    eventOverrides: Type.Union(
      [Type.Literal('off'), Type.Literal('same-origin'), Type.Literal('any-origin')],
      {
        default: 'same-origin',
        description:
          "RudderStack's per-event `fullPath`, `appendPath` and `header` fields. same-origin: honoured while the URL stays on the configured origin; any-origin: honoured everywhere; off: treated as ordinary event data.",
      },
    ),
    batch: Type.Object(
      {
        enabled: Type.Boolean({
          default: false,
          description: 'Send many events per request, as a JSON array.',
        }),
        maxEvents: Type.Integer({
          minimum: 1,
          maximum: 10_000,
          default: 100,
          description: 'Events per request, at most.',
        }),
        maxBytes: Type.Integer({
          minimum: 64,
          maximum: 50_000_000,
          default: 512_000,
          description: 'Bytes of the JSON array body, at most. A single larger event fails on its own.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    deletion: Type.Optional(
      Type.Object(
        {
          url: Type.String({
            pattern: '^https?://[^{}\\s]+$',
            description:
              'Where deletion requests go (regulations of type suppress_with_delete): an absolute http(s) URL, without placeholders.',
            examples: ['https://hooks.example.com/patchbay/deletions'],
          }),
          method: Type.Union([Type.Literal('POST'), Type.Literal('PUT'), Type.Literal('DELETE')], {
            default: 'POST',
            description: 'The method of deletion requests.',
          }),
        },
        {
          additionalProperties: false,
          description:
            'Ask the receiver to delete users: one JSON request `{ "type": "delete_users", "identifiers": [{ "type": "userId", "value": "..." }] }` per regulation, with the same headers, auth and signature as events. Without it, deletions at this destination fail with a reason in the audit trail.',
        },
      ),
    ),
    signing: Type.Optional(
      Type.Object(
        {
          secret: Secret(
            Type.String({
              minLength: 16,
              description:
                'The shared HMAC-SHA256 key (at least 16 characters; 32+ random bytes recommended).',
            }),
          ),
          header: Type.String({
            pattern: HEADER_NAME,
            default: SIGNATURE_HEADER,
            description: 'Header that carries `t=<unix seconds>,v2=<hex HMAC>`.',
          }),
          legacyV1: Type.Optional(
            Type.Boolean({
              description:
                'Also send the old v1 signature (body only) for receivers that have not upgraded. It can be replayed to another path; turn it off once they verify v2.',
            }),
          ),
        },
        {
          additionalProperties: false,
          description: 'Sign every request so the receiver can check it came from you.',
        },
      ),
    ),
  },
  { additionalProperties: false },
)

/** A parsed (defaults applied) webhook config. */
export type WebhookConfig = Static<typeof WebhookConfigSchema>
export type WebhookAuth = WebhookConfig['auth']
