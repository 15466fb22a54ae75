import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
/** The hub `npm run portal:dev` forwards the API to (default: `npm run dev`'s). */
const hub = process.env['PORTAL_DEV_HUB'] ?? 'http://127.0.0.1:4000';

/**
 * The portal and the GraphiQL page, built into dist/web/portal and served by the hub at /portal
 * (assets under /portal/assets/, GraphiQL's page at /graphql). Everything is bundled: nothing is
 * loaded from a CDN at run time.
 */
export default defineConfig({
  root: here,
  base: '/portal/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web/portal', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 6000,
    rolldownOptions: {
      input: { portal: `${here}index.html`, graphiql: `${here}graphiql.html` },
      // GraphiQL's dependencies mark modules "use client" (for React Server Components); a
      // browser bundle has no server part, so the directive means nothing here.
      onLog(level, log, handler) {
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
    },
  },
  worker: { format: 'es' },
  // The dev server is for the portal; GraphiQL's worker imports (`?worker`) do not go through
  // the dependency pre-bundler (GraphiQL itself is served by the hub from the build).
  optimizeDeps: { entries: ['index.html'] },
  server: {
    proxy: {
      '/graphql': { target: hub, ws: true },
      '/azure': hub,
      '/portal/api': hub,
    },
  },
});
