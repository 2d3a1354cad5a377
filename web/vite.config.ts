// The web app's own build: Preact with the automatic JSX runtime through Vite's built-in
// transform (no framework plugin). `npm run build` runs `vite build web`; the server serves
// web/dist at / (src/app/web.ts). `npx vite web` runs a dev server that proxies the API.
import { defineConfig } from 'vite';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': { target: 'http://localhost:8080', ws: true },
    },
  },
});
