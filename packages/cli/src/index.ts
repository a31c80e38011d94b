export { EXIT } from './_exit.ts'
export { main } from './main.ts'
