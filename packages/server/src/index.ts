export * from './default-pipeline.ts'
export * from './gateway.ts'
export * from './options.ts'
export * from './store/index.ts'
