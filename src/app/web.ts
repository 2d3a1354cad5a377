// Serves the built web app (web/dist) at /: hashed assets cached for good, index.html for every
// other page path (the app routes in the browser), and API paths keep their JSON 404.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from '../http/index.js';
import { errorBody, httpStatus } from '../http/index.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** web/dist of the project this server runs from, whether from src/ (tests) or a build under dist/. */
export function defaultWebDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  // The project root is the nearest directory with package.json above this module.
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'web', 'dist');
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Switchboard</title>
<body style="font:16px system-ui;margin:3rem auto;max-width:36rem"><h1>Switchboard is running</h1>
<p>The web app has not been built on this server. Run <code>npm run build</code> and reload this page.
The API answers at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></body></html>`;

export function webRoutes(dir: string): (app: App) => void {
  const root = resolve(dir);
  const index = join(root, 'index.html');
  return (app) => {
    app.get('/*', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
      let path: string;
      try {
        path = decodeURIComponent(request.url.split('?')[0]!);
      } catch {
        return reply
          .status(httpStatus('SWB_ERR_BAD_URL'))
          .send(errorBody('SWB_ERR_BAD_URL', 'The address is not valid: a percent-escape does not decode to text.'));
      }
      // An API path that is not a route: 405 when it takes other methods, else 404 (S8.1).
      if (path === '/api' || path.startsWith('/api/')) return request.server.notFound(request, reply);
      const file = resolve(root, `.${normalize(path)}`);
      if (file.startsWith(root + sep) && existsSync(file) && statSync(file).isFile()) {
        const immutable = file.startsWith(join(root, 'assets') + sep);
        return reply
          .header('content-type', TYPES[extname(file)] ?? 'application/octet-stream')
          .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
          .header('x-content-type-options', 'nosniff')
          .send(await readFile(file));
      }
      // A missing asset is a 404; any other path is a page of the app.
      if (extname(path) !== '' && extname(path) !== '.html') {
        return reply
          .status(httpStatus('SWB_ERR_NOT_FOUND'))
          .send(errorBody('SWB_ERR_NOT_FOUND', `There is no file at ${path.slice(0, 200)}.`));
      }
      const html = existsSync(index) ? await readFile(index) : NOT_BUILT;
      return reply
        .header('content-type', TYPES['.html']!)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .send(html);
    });
  };
}
