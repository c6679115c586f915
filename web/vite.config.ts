import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The dev server forwards everything the Rust server owns, so the UI talks to the same
// origin in development as in production (the session cookie is SameSite=Strict).
const backend = process.env.YUVERSE_BACKEND ?? 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [vue()],
  // Assets are referenced relative to index.html so the embedded UI works wherever the
  // server mounts it.
  base: './',
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  server: {
    proxy: {
      '/api': backend,
      '/healthz': backend,
      '/readyz': backend,
      '/ngsi-ld': backend,
      '/ws': { target: backend, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Element Plus is imported whole; the admin UI is served on a LAN, so one larger
    // vendor chunk is an acceptable trade for simpler code.
    chunkSizeWarningLimit: 1600,
  },
})
