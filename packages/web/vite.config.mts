import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The console builds from the workspace packages' TypeScript sources (no tsc build needed first). No React
 * plugin: Vite 8's Oxc turns JSX into React's automatic runtime by itself (no Fast Refresh in `npm run dev`,
 * which the console does not need).
 */
export default defineConfig({
  root: here('.'),
  base: './',
  resolve: {
    alias: {
      '@d2v/schema': here('../schema/src/index.ts'),
      '@d2v/client': here('../client/src/index.ts'),
      // The script's schema and parser only (no Node imports): the editor validates as the server does.
      '@d2v/prompt/script-schema': here('../prompt/src/script-schema.ts'),
    },
  },
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      // lucide-react marks its modules "use client" (a React Server Components hint, meaningless in this app).
      onwarn(warning: { code?: string }, warn: (w: unknown) => void) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    // `npm run dev -w @d2v/web` with a local stack on D2V_API (default the README's port) answers /v1 there.
    proxy: { '/v1': process.env.D2V_API ?? 'http://127.0.0.1:8787' },
  },
  test: {
    environment: 'happy-dom',
    include: ['test/components/**/*.test.tsx'],
  },
} as never);
