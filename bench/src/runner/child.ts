/**
 * Entry point of one child process: runs one scenario on one system (or only cleans up after a
 * killed run) and prints a single outcome line. A fresh process per run keeps one system's heap,
 * GC pressure and open handles from slowing the next.
 */
import { scenarioByName } from '../scenarios/index.js';
import { findSystem } from '../systems/index.js';
import type { BenchSystem } from '../systems/system.js';
import { withTimeout } from '../util/time.js';
import { RESULT_MARKER } from './protocol.js';
import type { ChildOutcome, ChildSpec } from './protocol.js';

/** Longest a teardown may take before the child gives up on it. */
const TEARDOWN_TIMEOUT_MS = 30_000;
/** Longest a teardown may take when the parent has asked the child to stop. */
const SIGNAL_TEARDOWN_TIMEOUT_MS = 10_000;

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

function finish(outcome: ChildOutcome, exitCode = 0): void {
  // Exit only once the line is flushed: stdout to a pipe is asynchronous.
  process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(outcome)}\n`, () => process.exit(exitCode));
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? 'null') as ChildSpec | null;
  if (spec === null) throw new Error('child: missing spec argument');
  const definition = findSystem(spec.system);
  if (definition === undefined) throw new Error(`child: unknown system ${spec.system}`);
  const system: BenchSystem = definition.create({
    runId: spec.runId,
    concurrency: spec.sizes.concurrency,
    urls: spec.urls,
  });
  const warnings: string[] = [];

  // SIGTERM: the parent's timeout. SIGINT: Ctrl-C reaches the whole process group. Either way,
  // leave nothing behind if teardown manages it in time.
  const stop = (reason: string, exitCode: number): void => {
    void withTimeout(system.teardown(), SIGNAL_TEARDOWN_TIMEOUT_MS, 'teardown')
      .catch(() => undefined)
      .finally(() => finish({ ok: false, phase: 'run', error: reason, warnings }, exitCode));
  };
  process.once('SIGTERM', () => stop('stopped by the parent (timeout)', 143));
  process.once('SIGINT', () => stop('interrupted', 130));

  if (spec.scenario === null) {
    await withTimeout(system.teardown(), TEARDOWN_TIMEOUT_MS, 'teardown');
    finish({ ok: true, metrics: null, warnings });
    return;
  }

  const scenario = scenarioByName(spec.scenario);
  if (scenario.needsScheduling && !definition.scheduling) {
    throw new Error(`${definition.name} cannot deliver at a set time, so it cannot run ${scenario.name}`);
  }
  let phase = 'setup';
  let outcome: ChildOutcome;
  try {
    await system.setup();
    phase = 'run';
    const metrics = await scenario.run({ system, definition, sizes: spec.sizes, now: Date.now });
    phase = 'internal metrics';
    const internals = system.internalMetrics ? await system.internalMetrics() : undefined;
    outcome = { ok: true, metrics: internals ? { ...metrics, internals } : metrics, warnings };
  } catch (error) {
    outcome = { ok: false, phase, error: describe(error), warnings };
  }
  try {
    await withTimeout(system.teardown(), TEARDOWN_TIMEOUT_MS, 'teardown');
  } catch (error) {
    warnings.push(`teardown failed: ${describe(error)}`);
  }
  finish(outcome);
}

// Libraries may reject in the background after a run is over; note it, keep the outcome.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection: ${describe(reason)}\n`);
});

main().catch((error: unknown) => finish({ ok: false, phase: 'start', error: describe(error), warnings: [] }, 1));
