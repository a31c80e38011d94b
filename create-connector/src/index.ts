export { main } from './cli.ts'
export * from './options.ts'
export { checkOptions, renderScaffold, scaffold } from './scaffold.ts'
export { ScaffoldError } from './scaffold-error.ts'
