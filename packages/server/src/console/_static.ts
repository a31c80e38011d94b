import { readFile } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'

/**
 * The console page's Content-Security-Policy: its own scripts, styles and connections only.
 * `nonce` (fresh for each page load) admits the <style> elements CodeMirror makes; the page
 * reads it from its own meta tag. No inline script is ever allowed.
 */
export function consoleCsp(nonce?: string): string {
  const styles = nonce ? `'self' 'nonce-${nonce}'` : "'self'"
  return `default-src 'none'; script-src 'self'; style-src ${styles}; img-src 'self' data:; connect-src 'self'; font-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'`
}

/** The placeholder in index.html the per-response style nonce replaces. */
export const NONCE_PLACEHOLDER = '__PB_STYLE_NONCE__'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
}

/**
 * Reads a built file by its path under /console/ (`index.html`, `assets/x.js`); undefined
 * when there is no such file or the path leaves the folder. Files are cached in memory.
 */
export function createStaticFiles(folder: string | undefined) {
  const dir = folder === undefined ? undefined : resolve(folder)
  const cache = new Map<string, { body: Buffer; type: string } | undefined>()
  return async function file(path: string): Promise<{ body: Buffer; type: string } | undefined> {
    if (!dir) return undefined
    const cached = cache.get(path)
    if (cached || cache.has(path)) return cached
    const full = normalize(join(dir, path))
    if (!full.startsWith(dir + sep) || !/^[\w./-]+$/.test(path)) return undefined
    const type = TYPES[extname(full)]
    let found: { body: Buffer; type: string } | undefined
    try {
      found = type ? { body: await readFile(full), type } : undefined
    } catch {
      found = undefined
    }
    if (cache.size < 200) cache.set(path, found)
    return found
  }
}
