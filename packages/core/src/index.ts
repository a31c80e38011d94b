export * from './errors/codes.ts'
export * from './errors/errors.ts'
export * from './errors/patchbay-error.ts'
export * from './http/http-request.ts'
