/** A ws-feed node as a child process (the real entry point), for kill tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..', '..');
const MAIN = join(ROOT, 'services', 'ws-feed', 'src', 'main.ts');

export interface ChildFeed {
  proc: ChildProcess;
  port: number;
  url: string;
}

export async function spawnFeed(env: Record<string, string>, timeoutMs = 20_000): Promise<ChildFeed> {
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('feed child did not start')), timeoutMs);
    proc.on('message', (m: { type?: string; port?: number }) => {
      if (m.type === 'listening' && m.port) {
        clearTimeout(t);
        resolve(m.port);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`feed child exited with ${code}`));
    });
  });
  return { proc, port, url: `ws://127.0.0.1:${port}` };
}

export async function stopFeed(child: ChildFeed, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
  child.proc.kill(signal);
  await exited;
}
