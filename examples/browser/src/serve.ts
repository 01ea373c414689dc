/**
 * A small static file server for the built page: GET/HEAD only, no directory listings, no path
 * outside the folder, the right content type for `.wasm` (which `WebAssembly.compileStreaming`
 * requires), and the cross-origin isolation headers ({@link ISOLATION_HEADERS}) that give the
 * page `SharedArrayBuffer`, so that WebAssembly can run on several threads.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.yml': 'text/yaml; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Cross-origin isolation (`crossOriginIsolated` in the page): onnxruntime-web's wasm and tfjs's
 * `wasm` backend run multi-threaded only with it. The page's own files are same-origin; a model
 * fetched from another origin (`?model=`) needs that server to allow CORS, as it did before.
 */
export const ISOLATION_HEADERS = Object.freeze({
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
});

/** A running server. */
export interface StaticServer {
  readonly server: Server;
  /** `http://127.0.0.1:<port>/`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `root` on `host:port` (port 0 picks a free one).
 *
 * @throws When the port is taken (the message says which and how to pick another).
 */
export async function serveStatic(
  root: string,
  port: number,
  host = '127.0.0.1',
): Promise<StaticServer> {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    let file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const info = await stat(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': 'no-cache',
        ...ISOLATION_HEADERS,
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      fail(
        e.code === 'EADDRINUSE'
          ? new Error(`port ${port} on ${host} is in use: pick another with --port`)
          : e,
      ),
    );
    server.listen(port, host, () => ok());
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${actual}/`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
