import Type from 'typebox'
import {
  AbortedError,
  defineDestination,
  defineTransformation,
  InvalidEventError,
  PluginRegistry,
  parsePipeline,
  Secret,
} from '../../src/index.ts'

/** Test plugins, registered inline (no packages), and a helper to build pipelines from YAML. */
export const collect = defineDestination({
  name: '@test/destination-collect',
  version: '1.0.0',
  apiVersion: 1,
  title: 'Collect',
  config: Type.Object({ url: Type.String(), token: Secret(Type.String()) }),
  supports: ['track', 'identify'],
  transform: (event, { config }) => {
    if (event.type === 'track' && event.event === 'Explode') throw new InvalidEventError('cannot map Explode')
    if (event.type === 'track' && event.event === 'Leak') throw new Error(`token ${config.token} leaked`)
    if (event.type === 'track' && event.event === 'Skip') return null
    return {
      method: 'POST',
      url: config.url,
      headers: { authorization: `Bearer ${config.token}` },
      body: { id: event.messageId, type: event.type },
    }
  },
})

export const batcher = defineDestination({
  name: '@test/destination-batch',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({ url: Type.String(), maxEvents: Type.Integer({ default: 2 }) }),
  supports: ['track'],
  batch: (config) => ({ maxEvents: config.maxEvents }),
  transform: (event, { config }) => ({ method: 'POST', url: config.url, body: event }),
  transformBatch: (events, { config }) => {
    const good = events.flatMap((e, i) => (e.properties?.bad ? [] : [i]))
    const bad = events.flatMap((e, i) => (e.properties?.bad ? [i] : []))
    return [
      ...(good.length
        ? [
            {
              request: { method: 'POST' as const, url: config.url, body: good.map((i) => events[i]) },
              events: good,
            },
          ]
        : []),
      ...(bad.length ? [{ error: new InvalidEventError('bad event in batch'), events: bad }] : []),
    ]
  },
  handleResponse: (response) => {
    // This API answers 200 with a result per event: partial batch failures.
    const body = response.body as { results?: Array<'ok' | 'rejected'> } | undefined
    if (!body?.results) return undefined
    return body.results.map((r) => (r === 'ok' ? null : new AbortedError('the API rejected this event')))
  },
})

export const enrich = defineTransformation({
  name: '@test/transformation-enrich',
  version: '1.0.0',
  apiVersion: 1,
  config: Type.Object({ tag: Type.String({ default: 'x' }) }),
  transformEvent: (event, { config }) => {
    if (event.type === 'track' && event.event === 'Noise') return null
    if (event.type === 'track' && event.event === 'Split')
      return [
        { ...event, event: 'Split A' },
        { ...event, event: 'Split B' },
      ]
    if (event.type === 'track' && event.event === 'Crash') throw new Error('enrich crashed')
    if (event.type === 'track' && event.event === 'Broken') return { ...event, type: 'nonsense' } as never
    return { ...event, context: { ...event.context, tag: config.tag } }
  },
})

export function registry() {
  return new PluginRegistry({ cwd: process.cwd() }).add(collect).add(batcher).add(enrich)
}

export function pipeline(yaml: string) {
  return parsePipeline(yaml, { file: '/virtual/pipeline.yaml', env: {} })
}
