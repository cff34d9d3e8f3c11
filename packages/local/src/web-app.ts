import express from 'express';

/**
 * The built web console (packages/web/dist, made by `npm run build`) at `/`: the API stays under /v1. Hashed
 * assets are cached for good; index.html never, so a rebuild shows at the next reload. Routing is in the URL
 * hash, so no path other than the files themselves needs answering.
 */
export function mountWebApp(app: express.Express, dir: string): void {
  app.use(
    express.static(dir, {
      index: 'index.html',
      setHeaders: (res, file) => {
        res.setHeader('cache-control', /[\\/]assets[\\/]/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  app.get('/', (_req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: 'The web console is not built: run "npm run build" (npm start and npm test do it).' } });
  });
}
