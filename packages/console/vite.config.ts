import { defineConfig } from 'vite'

// The gateway serves dist/ at /console behind its admin token, with a CSP that allows only
// its own scripts and styles: no inline script, no CDN, no external font.
export default defineConfig({
  base: '/console/',
  build: {
    outDir: 'dist/web',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    // The editor chunk (CodeMirror) is loaded only when the playground opens.
    chunkSizeWarningLimit: 600,
  },
})
