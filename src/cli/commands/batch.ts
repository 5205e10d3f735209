import { createReadStream, readFileSync, statSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { runInForeground } from '../../batch/foreground.js';
import { createProgressBar, formatEta } from '../../batch/progress-bar.js';
import { detectRecipientsFormat, type RecipientsFormat } from '../../batch/recipients/format.js';
import { batchRunnerFor, batchServiceFor } from '../../batch/role.js';
import type { CreatedBatch } from '../../batch/service.js';
import { parseTemplate } from '../../batch/template/parse.js';
import { ITEM_STATUSES, type ItemStatus } from '../../batch/types.js';
import type { BatchItemView, BatchView } from '../../batch/view.js';
import { invalid, type Issue, MissiveError, ValidationError } from '../../core/errors.js';
import { isoTimeWithOffset } from '../../message/schema.js';
import { type GlobalOptions, withRuntime } from '../context.js';
import { runRoles } from './run-roles.js';
import { parseDuration } from '../duration.js';
import { printJson, printLine } from '../output.js';
import { pipeWriter } from '../pipe-writer.js';

/** `missive batch run` ended without the batch completing (paused or cancelled, not interrupted): exit code 1. */
export class BatchNotCompletedError extends MissiveError {
  readonly code = 'batch_not_completed';
  constructor(readonly view: BatchView) {
    const why = view.status === 'paused' ? `paused (${view.reason ?? 'manual'})` : view.status;
    const hint = view.status === 'paused' ? `; resume it with: missive batch resume ${view.id}` : '';
    super(`batch ${view.id} is ${why}: ${view.done}/${view.total} done${hint}`);
    this.name = 'BatchNotCompletedError';
  }
}

/** Flags of `missive batch create`. */
export interface BatchCreateFlags extends GlobalOptions {
  template: string;
  recipients: string;
  strict?: boolean;
  at?: string;
  in?: string;
  concurrency?: string;
  provider?: string;
  autoResume: boolean;
  json?: boolean;
}

/** Row errors printed by `batch create` without `--json`. */
const PRINTED_ROW_ERRORS = 100;

/** Adds `missive batch create | run | status | pause | resume | cancel | items | runner` to the program. */
export function registerBatchCommands(program: Command): void {
  const batch = program.command('batch').description('bulk sends: one template to a list of recipients (create, run, status, …), and the batch runner role (runner)');
  batch
    .command('create')
    .description('create a batch from a JSON template and a CSV or NDJSON recipients file (streamed)')
    .requiredOption('--template <file>', 'JSON template: a message without "to", with {{column}} placeholders')
    .requiredOption('--recipients <file>', 'CSV (header with a "to" column) or NDJSON (.ndjson, .jsonl) file')
    .option('--strict', 'refuse the whole batch at the first bad row (default: skip bad rows and report them)')
    .addOption(new Option('--at <iso>', 'start at this ISO 8601 time (with offset)').conflicts('in'))
    .addOption(new Option('--in <duration>', 'start after 30s, 5m, 2h, 1d').conflicts('at'))
    .option('--concurrency <n>', 'items sent at once (default: setting batch.concurrency)')
    .option('--provider <name>', "provider instance to send through (default: the template's, else the channel's primary)")
    .option('--no-auto-resume', 'stay paused after the circuit that paused the batch closes again')
    .option('--json', 'print the batch and its skipped rows as JSON')
    .action((_flags: object, command: Command) => create(command.optsWithGlobals<BatchCreateFlags>()));
  batch
    .command('run <id>')
    .description('run one batch in the foreground with a progress bar, until it completes, is cancelled or paused (waiting through an open circuit when it resumes by itself)')
    .option('--json', 'print the final status as JSON')
    .action((id: string, _flags: object, command: Command) => run(id, command.optsWithGlobals()));
  batch
    .command('status <id>')
    .description("a batch's status, counts, rate and ETA")
    .option('--json', 'print JSON')
    .action((id: string, _flags: object, command: Command) => status(id, command.optsWithGlobals()));
  for (const [name, description] of [
    ['pause', 'pause a batch: no new items are sent, calls in flight finish'],
    ['resume', 'resume a paused batch where it left off'],
    ['cancel', 'cancel a batch: none of its remaining items are sent'],
  ] as const) {
    batch
      .command(`${name} <id>`)
      .description(description)
      .option('--json', 'print the batch as JSON')
      .action((id: string, _flags: object, command: Command) => control(name, id, command.optsWithGlobals()));
  }
  batch
    .command('items <id>')
    .description("list a batch's items with their outcome and error, in order (streamed)")
    .addOption(new Option('--status <status>', 'only items of this status').choices(ITEM_STATUSES))
    .option('--json', 'print one JSON object per line (NDJSON)')
    .action((id: string, _flags: object, command: Command) => items(id, command.optsWithGlobals()));
  batch
    .command('runner')
    .description('run the batch runner role alone: every batch, until SIGINT/SIGTERM (serves /healthz, /readyz, /metrics on PORT)')
    .action(async (_flags: object, command: Command) => {
      await runRoles(command.optsWithGlobals<GlobalOptions>(), ['batch']);
    });
}

async function create(flags: BatchCreateFlags): Promise<void> {
  // Every flag is checked before any is acted on, so one run names every mistake.
  const issues: Issue[] = [];
  const check = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
      return undefined;
    }
  };
  const template = check(() => readTemplate(flags.template));
  const format = check(() => recipientsFormat(flags.recipients));
  const concurrency = check(() => parseConcurrency(flags.concurrency));
  const startAt = check(() => startTime(flags, Date.now()));
  if (issues.length > 0) throw new ValidationError(issues);
  const created = await withRuntime(flags, async (runtime) => {
    const input = createReadStream(flags.recipients);
    try {
      return await batchServiceFor(runtime).create({
        template,
        recipients: { format: format as RecipientsFormat, input },
        strict: flags.strict ?? false,
        autoResume: flags.autoResume,
        ...(startAt !== undefined && { startAt }),
        ...(concurrency !== undefined && { concurrency }),
        ...(flags.provider !== undefined && { provider: flags.provider }),
      });
    } catch (error) {
      throw withFlagNames(error);
    } finally {
      input.destroy();
    }
  }, { createStore: true });
  if (flags.json) printJson({ ...created.batch, rowErrors: created.rowErrors, rowErrorsTruncated: created.rowErrorsTruncated });
  else printCreated(created);
}

async function run(id: string, flags: GlobalOptions & { json?: boolean }): Promise<void> {
  const controller = new AbortController();
  const view = await withRuntime(flags, async (runtime) => {
    const onSignal = (): void => controller.abort(new Error('interrupted'));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const bar = createProgressBar();
    try {
      const runner = await batchRunnerFor(runtime, { batchId: id, pollIntervalMs: 500 });
      return await runInForeground(batchServiceFor(runtime), runner, id, {
        signal: controller.signal,
        onProgress: (progress) => bar.update(progress),
      });
    } finally {
      bar.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });
  if (flags.json) printJson(view);
  else printStatus(view);
  // Interrupted (SIGINT, SIGTERM): a graceful stop, like every long-running command's, exits 0.
  if (view.status !== 'completed' && !controller.signal.aborted) throw new BatchNotCompletedError(view);
}

async function status(id: string, flags: GlobalOptions & { json?: boolean }): Promise<void> {
  const view = await withRuntime(flags, (runtime) => batchServiceFor(runtime).get(id));
  if (flags.json) printJson(view);
  else printStatus(view);
}

async function control(action: 'pause' | 'resume' | 'cancel', id: string, flags: GlobalOptions & { json?: boolean }): Promise<void> {
  const view = await withRuntime(flags, (runtime) => batchServiceFor(runtime)[action](id));
  if (flags.json) printJson(view);
  else printLine(`${view.id} ${view.status}${view.reason ? ` (${view.reason})` : ''}`);
}

async function items(id: string, flags: GlobalOptions & { status?: ItemStatus; json?: boolean }): Promise<void> {
  // Streamed in bounded memory however many items; a reader that stops early (`| head`) ends it quietly.
  const out = pipeWriter();
  try {
    await withRuntime(flags, async (runtime) => {
      const service = batchServiceFor(runtime);
      for await (const item of service.items(id, flags.status === undefined ? {} : { status: flags.status })) {
        if (!(await out.write(flags.json ? `${JSON.stringify(item)}\n` : `${itemLine(item)}\n`))) return;
      }
    });
  } finally {
    out.close();
  }
}

function readTemplate(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw invalid('--template', 'file', `cannot read ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid('--template', 'json', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    parseTemplate(json);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(error.issues.map((issue) => ({ ...issue, path: `--template ${issue.path}`, message: `--template: ${issue.message}` })));
  }
  return json;
}

function recipientsFormat(path: string): RecipientsFormat {
  const format = detectRecipientsFormat(path);
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
  } catch (error) {
    throw invalid('--recipients', 'file', `cannot read ${path}: ${(error as Error).message}`);
  }
  return format;
}

function parseConcurrency(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value)) throw invalid('--concurrency', 'format', `must be a whole number, got "${text}"`);
  return value;
}

function startTime(flags: BatchCreateFlags, now: number): number | undefined {
  if (flags.in !== undefined) return now + parseDuration(flags.in);
  if (flags.at === undefined) return undefined;
  if (!isoTimeWithOffset.safeParse(flags.at).success) {
    throw invalid('--at', 'format', 'must be an ISO 8601 time with an offset, e.g. 2030-01-01T09:00:00Z');
  }
  return Date.parse(flags.at);
}

/** Names the flag behind an option the service refused. */
function withFlagNames(error: unknown): unknown {
  if (!(error instanceof ValidationError)) return error;
  const flags: Record<string, string> = { concurrency: '--concurrency', provider: '--provider', startAt: '--at' };
  return new ValidationError(
    error.issues.map((issue) => {
      const flag = flags[issue.path];
      return flag ? { ...issue, path: flag, message: `${flag}: ${issue.message.replace(`${issue.path}: `, '')}` } : issue;
    }),
  );
}

function printCreated({ batch, rowErrors, rowErrorsTruncated }: CreatedBatch): void {
  printLine(`batch ${batch.id} created: ${batch.total} items, ${batch.skipped} rows skipped`);
  if (batch.startAt !== null) printLine(`  starts at ${batch.startAt}`);
  for (const error of rowErrors.slice(0, PRINTED_ROW_ERRORS)) printLine(`  line ${error.line}: ${error.reason}`);
  const unprinted = batch.skipped - Math.min(rowErrors.length, PRINTED_ROW_ERRORS);
  if (unprinted > 0 || rowErrorsTruncated) printLine(`  … and ${unprinted} more skipped rows (--json lists up to 1000)`);
}

function printStatus(view: BatchView): void {
  printLine(`${view.id}  ${view.status}${view.reason ? ` (${view.reason})` : ''}`);
  printLine(`  ${view.channel} through ${view.provider}, concurrency ${view.concurrency}${view.autoResume ? '' : ', no auto-resume'}`);
  printLine(`  total ${view.total}  sent ${view.sent}  failed ${view.failed}  pending ${view.pending}  sending ${view.sending}  skipped ${view.skipped}`);
  printLine(`  rate ${view.rate.toFixed(1)}/s  ETA ${formatEta(view.etaSeconds)}`);
  if (view.startAt) printLine(`  starts at  ${view.startAt}`);
  if (view.resumeAt) printLine(`  probe at   ${view.resumeAt}`);
}

function itemLine(item: BatchItemView): string {
  const error = item.error ? `  ${item.error.message}` : '';
  return `${String(item.item).padStart(7)}  line ${String(item.line).padEnd(7)} ${item.status.padEnd(7)}  ${item.to}${error}`;
}
