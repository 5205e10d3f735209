#!/usr/bin/env node
// Launcher behind `npm run bench`: installs the bench's own dependencies (the peers, kept out of
// Missive's) when they are missing or stale, then runs bench/src/main.ts under tsx with the same
// arguments. Plain JavaScript so it runs before anything is installed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const lockfile = join(benchDir, 'package-lock.json');
const installedMarker = join(benchDir, 'node_modules', '.package-lock.json');

// npm writes node_modules/.package-lock.json on every install: older than the lockfile means
// the lockfile changed since.
const stale = !existsSync(installedMarker) || statSync(installedMarker).mtimeMs < statSync(lockfile).mtimeMs;
if (stale) {
  console.log('bench: installing the bench dependencies (npm ci --prefix bench)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const install = spawnSync(npm, ['ci', '--prefix', benchDir, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (install.status !== 0) {
    console.error('bench: npm ci failed; see above.');
    process.exit(install.status ?? 1);
  }
}

// tsx is a development dependency of the repository; fall back to the bench's own if present.
let tsxCli;
for (const base of [join(benchDir, '..', 'package.json'), join(benchDir, 'package.json')]) {
  try {
    tsxCli = createRequire(base).resolve('tsx/cli');
    break;
  } catch {
    // try the next location
  }
}
if (tsxCli === undefined) {
  console.error('bench: tsx not found; run `npm install` at the repository root first.');
  process.exit(1);
}

const child = spawn(process.execPath, [tsxCli, join(benchDir, 'src', 'main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
// Ctrl-C reaches the whole process group; the bench handles it. Just wait for it to finish.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
