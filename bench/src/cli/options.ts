import { parseArgs } from 'node:util';
import { DEFAULT_RUNS } from '../config/sizes.js';
import type { SuiteMode } from '../config/sizes.js';
import { SCENARIO_NAMES } from '../scenarios/scenario.js';
import type { ScenarioName } from '../scenarios/scenario.js';

/** What the command line asked for. */
export interface BenchOptions {
  readonly mode: SuiteMode;
  readonly runs: number;
  /** Systems to run, in registry order; null = all. */
  readonly only: readonly string[] | null;
  readonly scenarios: readonly ScenarioName[];
  /**
   * `report`: results/latest.json, results/chart.svg and BENCHMARKS.md; `partial`: only
   * results/partial.json (the default for a run narrowed by --only or --scenario, so a quick
   * check never replaces the published report); `none`.
   */
  readonly write: 'report' | 'partial' | 'none';
  /** Only regenerate BENCHMARKS.md and the chart from results/latest.json. */
  readonly reportOnly: boolean;
  /** Whether to run Missive's own benchmarks (batches, HTTP) after the comparison. */
  readonly extras: boolean;
  readonly help: boolean;
}

/** The command line is wrong; the message says how. */
export class UsageError extends Error {
  readonly code = 'bench_usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Short names accepted by `--scenario`, besides the full ones. */
const SCENARIO_ALIASES: Readonly<Record<string, readonly ScenarioName[]>> = {
  burst: ['scheduled-burst'],
  steady: ['scheduled-steady'],
  scheduled: ['scheduled-burst', 'scheduled-steady'],
  throughput: ['immediate'],
  drain: ['backlog'],
};

/** Text of `--help`. */
export const USAGE = `Usage: npm run bench -- [options]

  --full              the full suite (immediate 50,000; 500/s over 20 s; backlog 100,000)
  --quick             the quick suite (default)
  --only a,b          only these systems (names as in the table)
  --scenario x,y      only these scenarios: immediate, scheduled-burst (burst),
                      scheduled-steady (steady), scheduled (both), backlog
  --runs n            runs per system and scenario (default ${DEFAULT_RUNS}; figures are medians)
  --write             write the report even for a run narrowed by --only/--scenario
                      (by default such a run writes only results/partial.json)
  --no-write          print the table only; write nothing
  --report-only       rewrite BENCHMARKS.md and the chart from results/latest.json
  --no-extras         skip Missive's own benchmarks (batches, HTTP acceptance)
  -h, --help          this text

Environment: BENCH_AMQP_URL, BENCH_PG_URL, BENCH_REDIS_URL override the local services.`;

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Parses argv (without node and script); `systems` are the registered names. */
export function parseOptions(argv: readonly string[], systems: readonly string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: false,
      options: {
        full: { type: 'boolean', default: false },
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        scenario: { type: 'string' },
        runs: { type: 'string' },
        write: { type: 'boolean', default: false },
        'no-write': { type: 'boolean', default: false },
        'report-only': { type: 'boolean', default: false },
        'no-extras': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.full && values.quick) throw new UsageError('--full and --quick exclude each other');
  if (values.write && values['no-write']) throw new UsageError('--write and --no-write exclude each other');

  const runs = values.runs === undefined ? DEFAULT_RUNS : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
    throw new UsageError(`--runs: expected a whole number from 1 to 50, got ${values.runs}`);
  }

  let only: string[] | null = null;
  if (values.only !== undefined) {
    only = list(values.only);
    const unknown = only.filter((name) => !systems.includes(name));
    if (unknown.length > 0 || only.length === 0) {
      throw new UsageError(`--only: unknown system ${unknown.join(', ') || '(none given)'}; known: ${systems.join(', ')}`);
    }
  }

  let scenarios: ScenarioName[] = [...SCENARIO_NAMES];
  if (values.scenario !== undefined) {
    const wanted = new Set<ScenarioName>();
    for (const name of list(values.scenario)) {
      const resolved = (SCENARIO_NAMES as readonly string[]).includes(name)
        ? [name as ScenarioName]
        : SCENARIO_ALIASES[name];
      if (resolved === undefined) {
        throw new UsageError(`--scenario: unknown scenario ${name}; known: ${SCENARIO_NAMES.join(', ')}`);
      }
      for (const scenario of resolved) wanted.add(scenario);
    }
    if (wanted.size === 0) throw new UsageError('--scenario: no scenario given');
    scenarios = SCENARIO_NAMES.filter((name) => wanted.has(name));
  }

  return {
    mode: values.full ? 'full' : 'quick',
    runs,
    only,
    scenarios,
    write: values['no-write']
      ? 'none'
      : values.write || (only === null && values.scenario === undefined)
        ? 'report'
        : 'partial',
    reportOnly: values['report-only'],
    extras: !values['no-extras'] && (only === null || only.some((name) => name.startsWith('missive'))),
    help: values.help,
  };
}
