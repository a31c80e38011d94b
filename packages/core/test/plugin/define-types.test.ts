import type { IdentifyEvent, TrackEvent } from '@patchbay/protocol'
import Type from 'typebox'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  defineDestination,
  defineMigration,
  defineSource,
  defineTransformation,
  type HttpRequest,
  Secret,
} from '../../src/index.ts'
import { thrown } from '../_thrown.ts'

describe('define* infer types from the config schema and `supports`', () => {
  it('defineDestination: typed config, only the supported event types', () => {
    const plugin = defineDestination({
      name: '@acme/destination-crm',
      version: '1.0.0',
      apiVersion: 1,
      config: Type.Object({
        apiKey: Secret(Type.String()),
        region: Type.Union([Type.Literal('eu'), Type.Literal('us')]),
      }),
      supports: ['track', 'identify'],
      transform: (event, { config }) => {
        expectTypeOf(config).toEqualTypeOf<{ apiKey: string; region: 'eu' | 'us' }>()
        expectTypeOf(event).toEqualTypeOf<TrackEvent | IdentifyEvent>()
        if (event.type === 'track') expectTypeOf(event.event).toBeString()
        return { method: 'POST', url: `https://${config.region}.crm.example/v1`, body: event }
      },
      transformBatch: (events, { config }) => {
        expectTypeOf(events).toEqualTypeOf<Array<TrackEvent | IdentifyEvent>>()
        return [
          {
            request: { method: 'POST', url: `https://${config.region}.crm.example/batch`, body: events },
            events: [0],
          },
        ]
      },
      batch: (config) => {
        expectTypeOf(config.region).toEqualTypeOf<'eu' | 'us'>()
        return { maxEvents: 50 }
      },
    })
    expect(plugin.kind).toBe('destination')
    expectTypeOf(plugin.transform).returns.toExtend<
      HttpRequest | HttpRequest[] | null | Promise<HttpRequest | HttpRequest[] | null>
    >()
  })

  it('hands a transform only the event types it lists', () => {
    defineDestination({
      name: 'x',
      version: '1.0.0',
      apiVersion: 1,
      config: Type.Object({}),
      supports: ['identify'],
      transform: (event) => {
        expectTypeOf(event).toEqualTypeOf<IdentifyEvent>()
        expectTypeOf(event.type).toEqualTypeOf<'identify'>()
        expectTypeOf(event.traits).toEqualTypeOf<Record<string, unknown> | undefined>()
        return null
      },
    })
  })

  it('defineTransformation and defineSource get typed config too', () => {
    defineTransformation({
      name: 'x',
      version: '1.0.0',
      apiVersion: 1,
      config: Type.Object({ prefix: Type.String({ default: 'app_' }) }),
      transformEvent: (event, { config }) => {
        expectTypeOf(config.prefix).toBeString()
        return event
      },
    })
    defineSource({
      name: 'x',
      version: '1.0.0',
      apiVersion: 1,
      config: Type.Object({ eventName: Type.String() }),
      parse: (request, { config }) => {
        expectTypeOf(config.eventName).toBeString()
        expectTypeOf(request.headers).toEqualTypeOf<Record<string, string>>()
        return { events: [] }
      },
    })
  })
})

describe('define* refuse incomplete definitions with a clear error', () => {
  it('a destination without supports', () => {
    const error = thrown(() =>
      defineDestination({
        name: 'x',
        version: '1.0.0',
        apiVersion: 1,
        config: Type.Object({}),
        supports: [],
        transform: () => null,
      }),
    )
    expect(error.message).toBe('destination x must list the event types it supports')
    expect(error.code).toBe('PB_PLUGIN_INVALID')
  })
})

describe('defineMigration', () => {
  it('types the old config and the migrated one from the two schemas', () => {
    const V1 = Type.Object({
      url: Type.String(),
      region: Type.Union([Type.Literal('eu'), Type.Literal('us')]),
    })
    const V2 = Type.Object({ endpoint: Type.String(), region: Type.String() })
    const migrate = defineMigration(V1, V2, (v1) => {
      expectTypeOf(v1).toEqualTypeOf<{ url: string; region: 'eu' | 'us' }>()
      return { endpoint: v1.url, region: v1.region }
    })
    // @ts-expect-error the result must be a config of the new schema
    defineMigration(V1, V2, (v1) => ({ url: v1.url }))
    expect(migrate({ url: 'https://a.example', region: 'eu' })).toEqual({
      endpoint: 'https://a.example',
      region: 'eu',
    })
  })
})
