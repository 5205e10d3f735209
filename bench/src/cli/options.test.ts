import { describe, expect, it } from 'vitest';
import { parseOptions, UsageError } from './options.js';

const systems = ['missive', 'amqplib', 'bullmq'];

describe('parseOptions', () => {
  it('defaults to the quick suite, 3 runs, every system and scenario', () => {
    expect(parseOptions([], systems)).toEqual({
      mode: 'quick',
      runs: 3,
      only: null,
      scenarios: ['immediate', 'scheduled-burst', 'scheduled-steady', 'backlog'],
      write: 'report',
      reportOnly: false,
      extras: true,
      help: false,
    });
  });

  it('reads --full, --only, --scenario aliases and --runs', () => {
    const options = parseOptions(['--full', '--only', 'bullmq,missive', '--scenario', 'backlog,scheduled', '--runs', '5', '--no-write'], systems);
    expect(options).toMatchObject({ mode: 'full', only: ['bullmq', 'missive'], runs: 5, write: 'none' });
    expect(options.scenarios).toEqual(['scheduled-burst', 'scheduled-steady', 'backlog']);
  });

  it('writes only a partial result file for a narrowed run, unless told to write the report', () => {
    expect(parseOptions(['--only', 'bullmq'], systems).write).toBe('partial');
    expect(parseOptions(['--scenario', 'burst'], systems).write).toBe('partial');
    expect(parseOptions(['--scenario', 'burst', '--write'], systems).write).toBe('report');
    expect(() => parseOptions(['--write', '--no-write'], systems)).toThrow(/exclude/);
  });

  it('rejects unknown systems, scenarios, options and bad run counts', () => {
    expect(() => parseOptions(['--only', 'kafka'], systems)).toThrow(/unknown system kafka/);
    expect(() => parseOptions(['--scenario', 'soak'], systems)).toThrow(UsageError);
    expect(() => parseOptions(['--runs', '0'], systems)).toThrow(/--runs/);
    expect(() => parseOptions(['--runs', '2.5'], systems)).toThrow(/--runs/);
    expect(() => parseOptions(['--fast'], systems)).toThrow(UsageError);
    expect(() => parseOptions(['--full', '--quick'], systems)).toThrow(/exclude/);
  });
});
