/**
 * Builds the pages with Vite when dist/ is missing or stale. Staleness is a fingerprint of every
 * input (path, size, mtime of the pages' sources and of the workspace packages they bundle), kept in
 * dist/.fingerprint: cheap to compute, and right after a checkout, an edit or a dependency change.
 * The build goes to a private directory that is then renamed into place, so two servers starting at
 * once never serve a half-written dist/.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Logger } from '@exchange/service-kit';

export const WEB_ROOT = join(__dirname, '..');
const REPO = join(WEB_ROOT, '..', '..');
export const DIST = join(WEB_ROOT, 'dist');
const FINGERPRINT = '.fingerprint';

/** Files and folders whose content ends up in the bundle. */
const INPUTS = [
  'services/web/index.html',
  'services/web/admin.html',
  'services/web/vite.config.mts',
  'services/web/package.json',
  'services/web/app',
  'packages/client/src',
  'packages/market-data/src',
  'packages/units/src',
  'pnpm-lock.yaml',
];

/** sha256 over (path, size, mtime) of every input file under `repo`. */
export function inputsFingerprint(repo = REPO): string {
  const lines: string[] = [];
  const walk = (path: string): void => {
    if (!existsSync(path)) return;
    const st = statSync(path);
    if (!st.isDirectory()) lines.push(`${relative(repo, path)}\t${st.size}\t${Math.trunc(st.mtimeMs)}`);
    else for (const name of readdirSync(path).sort()) walk(join(path, name));
  };
  for (const p of INPUTS) walk(join(repo, p));
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

export function isStale(fingerprint: string, dist = DIST): boolean {
  const file = join(dist, FINGERPRINT);
  return !existsSync(join(dist, 'index.html')) || !existsSync(file) || readFileSync(file, 'utf8') !== fingerprint;
}

/** Builds when asked to or when stale; resolves whether a build ran. */
export async function ensureBuilt(mode: 'auto' | 'always' | 'never', log: Logger): Promise<boolean> {
  if (mode === 'never') return false;
  const fingerprint = inputsFingerprint();
  if (mode === 'auto' && !isStale(fingerprint)) return false;
  const started = Date.now();
  // beside dist/ on the same file system (for the renames), under an ignored folder
  const scratch = join(WEB_ROOT, 'node_modules', '.cache');
  mkdirSync(scratch, { recursive: true });
  const tmp = join(scratch, `dist.tmp-${process.pid}-${started}`);
  const { build } = await import('vite');
  try {
    await build({
      configFile: join(WEB_ROOT, 'vite.config.mts'),
      build: { outDir: tmp, emptyOutDir: true },
      logLevel: 'warn',
    });
    writeFileSync(join(tmp, FINGERPRINT), fingerprint);
    const old = join(scratch, `dist.old-${process.pid}-${started}`);
    try {
      if (existsSync(DIST)) renameSync(DIST, old);
      renameSync(tmp, DIST);
    } catch (err) {
      // another server swapped its build in at the same moment: fine if it is this build
      if (isStale(fingerprint)) throw err;
    }
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  log.info({ ms: Date.now() - started }, 'pages built');
  return true;
}
