import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseLimit } from './commands/dlq.js';
import { runCli } from './program.js';

describe('runCli', () => {
  let stdout = '';
  let stderr = '';

  beforeEach(() => {
    stdout = '';
    stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each([[[]], [['batch']], [['dlq']]])('prints the help on stderr and exits 2 for %j without a sub-command', async (argv) => {
    expect(await runCli(argv)).toBe(2);
    expect(stderr).toContain('Usage: missive');
    expect(stdout).toBe('');
  });

  it.each([[['--help']], [['help']], [['batch', '--help']], [['help', 'dlq']], [['dlq', 'list', '--help']]])('exits 0 when %j asks for the help', async (argv) => {
    expect(await runCli(argv)).toBe(0);
    expect(stdout).toContain('Usage: missive');
  });

  it('exits 2 for an unknown command or flag', async () => {
    expect(await runCli(['nosuch'])).toBe(2);
    expect(await runCli(['status'])).toBe(2);
    expect(stderr).toContain("missing required argument 'id'");
  });

  it.each(['abc', '0', '-1', '1.5', '1001', '100000', ''])('exits 2 naming --limit for dlq list --limit %j, before opening anything', async (limit) => {
    expect(await runCli(['dlq', 'list', '--limit', limit])).toBe(2);
    expect(stderr).toContain('--limit: must be a whole number from 1 to 1000');
  });
});

describe('parseLimit', () => {
  it('takes 1 to 1000, 100 when not given', () => {
    expect(parseLimit(undefined)).toBe(100);
    expect(parseLimit('1')).toBe(1);
    expect(parseLimit('1000')).toBe(1000);
    expect(parseLimit(' 25 ')).toBe(25);
  });
});
