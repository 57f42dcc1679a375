/**
 * The stop-signal rule, in a real child process: a Ctrl-C followed by the supervisor's SIGTERM
 * lets the cleanup finish (exit 0); a second Ctrl-C exits at once (1); a failing cleanup exits 1.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** A process whose one cleanup takes `cleanupMs` (and throws when told to); prints what happened. */
const CHILD = `
const { onShutdown } = require('./packages/service-kit/src/shutdown.ts');
const log = { info: () => {}, error: (o, m) => console.log(m) };
onShutdown(log, [async () => {
  await new Promise((r) => setTimeout(r, Number(process.env.CLEANUP_MS)));
  if (process.env.FAIL === '1') throw new Error('boom');
  console.log('cleaned');
}]);
console.log('ready');
setInterval(() => {}, 1000);
`;

async function run(
  signals: NodeJS.Signals[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', CHILD], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  let out = '';
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    }),
  );
  for (const s of signals) {
    child.kill(s);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { code: await exited, out };
}

jest.setTimeout(30_000);

test('Ctrl-C then the supervisor SIGTERM: the cleanup finishes, exit 0', async () => {
  const r = await run(['SIGINT', 'SIGTERM'], { CLEANUP_MS: '400' });
  expect(r).toEqual({ code: 0, out: 'ready\ncleaned\n' });
});

test('a second Ctrl-C during the cleanup exits at once with 1', async () => {
  const r = await run(['SIGINT', 'SIGINT'], { CLEANUP_MS: '5000' });
  expect(r).toEqual({ code: 1, out: 'ready\n' });
});

test('a failing cleanup: exit 1', async () => {
  const r = await run(['SIGTERM'], { CLEANUP_MS: '0', FAIL: '1' });
  expect(r).toEqual({ code: 1, out: 'ready\ncleanup failed\n' });
});
