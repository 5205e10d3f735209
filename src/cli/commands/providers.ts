import { type GlobalOptions, withRuntime } from '../context.js';
import { printJson, printLine } from '../output.js';

/** `missive providers`: registered types, configured instances, their channels and circuits. */
export async function providers(flags: GlobalOptions & { json?: boolean }): Promise<number> {
  const report = await withRuntime(flags, async (runtime) => {
    const set = await runtime.providers();
    const registry = set.list().map((instance) => instance.factory);
    const types = [...new Map(registry.map((factory) => [factory.type, factory])).values()];
    const breakers = runtime.breakers();
    return {
      instances: set.list().map((instance) => ({
        name: instance.name,
        type: instance.type,
        channels: instance.channels,
        options: instance.redactedOptions,
        breaker: breakers.status(instance.name),
      })),
      channels: Object.fromEntries(
        (['email', 'sms', 'webhook', 'chat'] as const).map((channel) => [channel, set.channelProviders(channel)]),
      ),
      types: types.map((factory) => ({ type: factory.type, channels: factory.channels, description: factory.description ?? '' })),
    };
  });
  if (flags.json) {
    printJson(report);
    return 0;
  }
  printLine('configured providers:');
  for (const instance of report.instances) {
    printLine(`  ${instance.name.padEnd(16)} ${instance.type.padEnd(10)} ${instance.channels.join(', ') || '(no channel)'}  circuit ${instance.breaker.state}`);
  }
  printLine('channels:');
  for (const [channel, names] of Object.entries(report.channels)) printLine(`  ${channel.padEnd(8)} ${names.join(' → ') || '(none)'}`);
  return 0;
}
