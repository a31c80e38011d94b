export { redactUrl as redactStoreUrl } from './postgres/_url.ts'
export * from './postgres/postgres-store.ts'
export * from './sqlite-store.ts'
export * from './store.ts'
