export { type Console, type ConsoleInit, createConsole } from './create-console.ts'
