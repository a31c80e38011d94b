export * from './create-sandbox.ts'
export * from './sandbox-options.ts'
export * from './types.ts'
export * from './user-code-loader.ts'
