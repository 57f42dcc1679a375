/** The built pages, read into memory once: a request never touches the disk, and a rebuild by another process cannot tear a response. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';

export interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
  /** Vite's hashed assets never change under their name. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
  '.ico': 'image/x-icon',
};

export function loadStaticFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (!name.startsWith('.')) {
        const body = readFileSync(path);
        const url = '/' + relative(dir, path).split('\\').join('/');
        files.set(url, {
          body,
          type: TYPES[extname(name)] ?? 'application/octet-stream',
          etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
          immutable: url.startsWith('/assets/'),
        });
      }
    }
  };
  walk(dir);
  return files;
}

/** `/` is the trader's page, `/admin` the admin page; anything else is looked up as is. */
export function resolvePage(pathname: string): string {
  if (pathname === '/' || pathname === '') return '/index.html';
  if (pathname === '/admin' || pathname === '/admin/') return '/admin.html';
  return pathname;
}
