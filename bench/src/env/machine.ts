import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** The machine a run happened on. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
}

/** Describes this machine. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
  };
}

/** Folders searched for installed packages: the bench's own first, then the repository's. */
const PACKAGE_ROOTS = [
  fileURLToPath(new URL('../../node_modules/', import.meta.url)),
  fileURLToPath(new URL('../../../node_modules/', import.meta.url)),
];

/** The installed version of an npm package, or null when it is not installed. */
export function packageVersion(name: string, roots: readonly string[] = PACKAGE_ROOTS): string | null {
  for (const root of roots) {
    const manifest = `${root}${name}/package.json`;
    if (!existsSync(manifest)) continue;
    const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown };
    if (typeof parsed.version === 'string') return parsed.version;
  }
  return null;
}
