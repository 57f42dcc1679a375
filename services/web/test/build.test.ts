import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inputsFingerprint, isStale } from '../src/build';

test('the build fingerprint follows every input (content, time, new and deleted files) and decides staleness', () => {
  const repo = mkdtempSync(join(tmpdir(), 'web-inputs-'));
  try {
    mkdirSync(join(repo, 'services/web/app/core'), { recursive: true });
    mkdirSync(join(repo, 'packages/units/src'), { recursive: true });
    writeFileSync(join(repo, 'services/web/app/core/a.ts'), 'export const a = 1;');
    writeFileSync(join(repo, 'packages/units/src/index.ts'), 'export {};');
    writeFileSync(join(repo, 'services/web/unrelated.txt'), 'not an input');
    const first = inputsFingerprint(repo);
    expect(inputsFingerprint(repo)).toBe(first);

    writeFileSync(join(repo, 'services/web/unrelated.txt'), 'still not an input');
    expect(inputsFingerprint(repo)).toBe(first);

    utimesSync(join(repo, 'packages/units/src/index.ts'), new Date(1000), new Date(1000));
    const touched = inputsFingerprint(repo);
    expect(touched).not.toBe(first);
    writeFileSync(join(repo, 'services/web/app/core/b.ts'), '');
    const added = inputsFingerprint(repo);
    expect(added).not.toBe(touched);
    rmSync(join(repo, 'services/web/app/core/b.ts'));
    expect(inputsFingerprint(repo)).toBe(touched);

    const dist = join(repo, 'dist');
    expect(isStale(touched, dist)).toBe(true); // nothing built
    mkdirSync(dist);
    writeFileSync(join(dist, 'index.html'), '');
    writeFileSync(join(dist, '.fingerprint'), touched);
    expect(isStale(touched, dist)).toBe(false);
    expect(isStale(added, dist)).toBe(true);
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
});
