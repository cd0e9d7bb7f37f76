/** Vite config of the web console: `npm run build:console` writes console/dist, which `optirelay serve` serves at `/`. */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    // `npx vite --config console/vite.config.ts` for UI work against a running `optirelay serve` on :8080.
    proxy: { '/admin': 'http://127.0.0.1:8080', '/v1': 'http://127.0.0.1:8080' },
  },
});
