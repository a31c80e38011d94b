/**
 * The plugin API this core implements. A plugin declares the major it was written for in
 * its manifest (`apiVersion`); the registry refuses plugins whose apiVersion is not listed
 * in {@link SUPPORTED_PLUGIN_API_VERSIONS}.
 *
 * 2 added client destinations (`defineClientDestination`); every API 1 plugin runs unchanged.
 * 3 added the destination hook `deleteUsers` (regulations); API 1 and 2 plugins run unchanged.
 */
export const PLUGIN_API_VERSION = 3

/** Every plugin API major this core can run. */
export const SUPPORTED_PLUGIN_API_VERSIONS: readonly number[] = [1, 2, 3]
