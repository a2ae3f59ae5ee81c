import { defineConfig } from 'vite';

// The renderer is built to static files served by a host (the browser host, or
// Electron's app:// protocol). No dev server is needed for the tests.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
  },
});
