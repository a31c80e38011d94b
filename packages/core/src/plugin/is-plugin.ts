import { PLUGIN_MARKER } from './_define.ts'
import type { PluginKind } from './manifest.ts'

/** True for anything made by define{Source,Destination,Transformation}, from any copy of core. */
export function isPlugin(
  value: unknown,
): value is { kind: PluginKind; name: string; version: string; apiVersion: number } {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLUGIN_MARKER] === true
  )
}
