export { main } from './main.ts'
export { EXIT } from './_exit.ts'
