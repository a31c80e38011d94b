export * from './gateway-metrics.ts'
