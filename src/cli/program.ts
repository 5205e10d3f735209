import { Command, CommanderError, Option } from 'commander';
import { registerBatchCommands } from './commands/batch.js';
import { cancel, reschedule, status } from './commands/messages.js';
import { dlqList, dlqReplay } from './commands/dlq.js';
import { providers } from './commands/providers.js';
import { runRoles } from './commands/run-roles.js';
import { send } from './commands/send.js';
import { withRuntime } from './context.js';
import { EXIT, exitCodeFor, formatError, printLine, UsageError } from './output.js';

/** Builds the `missive` command line; `run` resolves to the exit code. */
export function buildProgram(): { program: Command; exitCode: () => number } {
  let code: number = EXIT.ok;
  const program = new Command('missive')
    .description('Message dispatch: email, SMS, webhooks and chat, now or at a set time.')
    .option('--config <file>', 'JSON config file (default: $MISSIVE_CONFIG or ./missive.config.json)')
    .showHelpAfterError()
    .exitOverride();

  const action =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      code = await fn(...args);
    };
  const globals = <T extends object>(flags: T): T & { config?: string } => ({ ...program.opts<{ config?: string }>(), ...flags });

  program
    .command('start')
    .description('run every role in one process (worker, scheduler, batch runner, HTTP API)')
    .action(action(() => runRoles(globals({}), ['worker', 'scheduler', 'batch', 'http'])));
  program.command('serve').description('serve the HTTP API (and /healthz, /readyz, /metrics, /docs)').action(action(() => runRoles(globals({}), ['http'])));
  program.command('worker').description('consume the channel queues and deliver through providers').action(action(() => runRoles(globals({}), ['worker'])));
  program.command('scheduler').description('dispatch scheduled messages at their time, and relay unconfirmed ones').action(action(() => runRoles(globals({}), ['scheduler'])));
  program
    .command('migrate')
    .description('create or update the database schema')
    .action(
      action(async () => {
        await withRuntime(globals({}), async () => undefined, { createStore: true });
        printLine('database schema is up to date');
        return EXIT.ok;
      }),
    );

  program
    .command('send')
    .description('send a message now (default) or at a time')
    .requiredOption('--channel <channel>', 'email | sms | webhook | chat')
    .requiredOption('--to <recipient>', 'email address, E.164 number, webhook URL or chat destination')
    .option('--subject <subject>', 'email subject')
    .option('--text <text>', 'text body')
    .option('--html <html>', 'HTML body (email)')
    .option('--data <json>', 'JSON payload (webhook)')
    .option('--from <sender>', "sender, overriding the provider's")
    .option('--provider <name>', "provider instance to use instead of the channel's order")
    .addOption(new Option('--at <iso>', 'deliver at this ISO 8601 time (with offset)').conflicts('in'))
    .addOption(new Option('--in <duration>', 'deliver after 30s, 5m, 2h, 1d').conflicts('at'))
    .option('--idempotency-key <key>', 'sending twice with one key sends once')
    .option('--json', 'print { id, status } as JSON')
    .action(action((flags: object) => send(globals(flags))));

  program.command('status <id>').description("a message's status and history").option('--json', 'print JSON').action(action((id: string, flags: object) => status(id, globals(flags))));
  program.command('cancel <id>').description('cancel a scheduled message before it is dispatched').option('--json', 'print JSON').action(action((id: string, flags: object) => cancel(id, globals(flags))));
  program
    .command('reschedule <id>')
    .description('move a scheduled message before it is dispatched')
    .addOption(new Option('--at <iso>', 'new ISO 8601 time (with offset)').conflicts('in'))
    .addOption(new Option('--in <duration>', 'new time from now: 30s, 5m, 2h, 1d').conflicts('at'))
    .option('--json', 'print JSON')
    .action(action((id: string, flags: object) => reschedule(id, globals(flags))));
  program.command('providers').description('provider types, configured instances, channels and circuits').option('--json', 'print JSON').action(action((flags: object) => providers(globals(flags))));

  const dlq = program.command('dlq').description('inspect and replay dead letters');
  dlq.command('list').description('messages that failed for good').option('--json', 'print JSON').option('--limit <n>', 'at most n (default 100)').option('--after <id>', 'page after this id').action(action((flags: object) => dlqList(globals(flags))));
  dlq.command('replay <id>').description('send a dead-lettered message again').option('--json', 'print JSON').action(action((id: string, flags: object) => dlqReplay(id, globals(flags))));

  registerBatchCommands(program);
  return { program, exitCode: () => code };
}

/** Runs the command line and returns the exit code; errors are printed, never thrown. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const { program, exitCode } = buildProgram();
  for (const command of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
    command.exitOverride();
    command.configureOutput({ writeErr: (text) => process.stderr.write(text) });
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode();
  } catch (error) {
    if (error instanceof CommanderError) {
      // `--help` and `help` asked for the help: success. A command group without its sub-command
      // (`missive`, `missive batch`) printed the help on stderr, with exit code 1: bad usage.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      if (error.code === 'commander.help' && error.exitCode === 0) return EXIT.ok;
      return EXIT.usage;
    }
    process.stderr.write(`${formatError(error)}\n`);
    return exitCodeFor(error);
  }
}

export { UsageError };
