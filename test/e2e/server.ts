/**
 * Minimal static file server for E2E tests: serves a folder on 127.0.0.1 with
 * optional cross-origin isolation and records every request it sees.
 */
import { createServer, type Server } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.md': 'text/markdown; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
  '.wav': 'audio/wav',
  '.map': 'application/json; charset=utf-8',
};

export interface StaticServerOptions {
  /** Folder to serve. */
  root: string;
  /** Send COOP/COEP so the page is cross-origin isolated (enables WASM threads). */
  isolate?: boolean;
  /** Allow any origin to fetch (needed when another origin embeds the bundle). */
  cors?: boolean;
  /** Extra headers on every response. */
  headers?: Record<string, string>;
  /** Extra folders served under a URL prefix, e.g. { '/fixtures/': 'test/fixtures' }. */
  mounts?: Record<string, string>;
  /** Port to listen on (default: any free one); a fixed port keeps the origin when a test swaps servers. */
  port?: number;
}

export interface StaticServer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

export async function startStaticServer(opts: StaticServerOptions): Promise<StaticServer> {
  const root = resolve(opts.root);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url.pathname);
    const mount = Object.entries(opts.mounts ?? {}).find(([prefix]) => url.pathname.startsWith(prefix));
    const base = mount ? resolve(mount[1]) : root;
    const rel = mount ? url.pathname.slice(mount[0].length) : url.pathname;
    let path = normalize(join(base, decodeURIComponent(rel)));
    if (!path.startsWith(base)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (statSync(path).isDirectory()) path = join(path, 'index.html');
      const size = statSync(path).size;
      const headers: Record<string, string> = {
        'Content-Type': MIME[extname(path)] ?? 'application/octet-stream',
        'Content-Length': String(size),
        'Cache-Control': 'no-store',
        ...opts.headers,
      };
      if (opts.isolate) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      }
      if (opts.cors) {
        headers['Access-Control-Allow-Origin'] = '*';
        headers['Cross-Origin-Resource-Policy'] = 'cross-origin';
      }
      res.writeHead(200, headers);
      createReadStream(path).pipe(res);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((ok) => server.listen(opts.port ?? 0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
