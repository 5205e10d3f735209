import { providersReport } from '../../runtime/services/providers.js';
import { type GlobalOptions, withRuntime } from '../context.js';
import { printJson, printLine } from '../output.js';

/** `missive providers`: registered types, configured instances, their channels and circuits. */
export async function providers(flags: GlobalOptions & { json?: boolean }): Promise<number> {
  const report = await withRuntime(flags, providersReport);
  if (flags.json) {
    printJson(report);
    return 0;
  }
  printLine('configured providers:');
  for (const instance of report.instances) {
    const probe = instance.breaker.nextProbeAt ? ` (probe at ${instance.breaker.nextProbeAt})` : '';
    printLine(`  ${instance.name.padEnd(16)} ${instance.type.padEnd(10)} ${instance.channels.join(', ') || '(no channel)'}  circuit ${instance.breaker.state}${probe}`);
  }
  printLine('channels:');
  for (const [channel, names] of Object.entries(report.channels)) printLine(`  ${channel.padEnd(8)} ${names.join(' → ') || '(none)'}`);
  printLine('provider types:');
  for (const type of report.types) printLine(`  ${type.type.padEnd(10)} ${type.channels.join(', ').padEnd(26)} ${type.description}`);
  return 0;
}
