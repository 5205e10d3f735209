import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { isProviderError, type ProviderError, type ProviderErrorKind, type RateLimitedProviderError } from '../errors.js';
import type { OutgoingMessage, Provider, ProviderFactory } from '../provider.js';
import { validateOptions } from '../registry.js';

/** The vendor behaviours every provider must map to Missive's error kinds. */
export type Scenario = 'success' | 'unauthorized' | 'invalid_request' | 'rate_limited' | 'server_error' | 'hang';

/** One running stand-in for a provider's vendor. */
export interface HarnessRun {
  /** Options (without `type`) that point the provider at the stand-in, as a config file holds them. */
  options: Record<string, unknown>;
  /** Secret values in those options; none may appear in an error. */
  secrets: string[];
  /** Makes the stand-in behave as the vendor does in that scenario. */
  use(scenario: Scenario): void;
  close(): Promise<void>;
}

/** What a provider's conformance test supplies. */
export interface ProviderHarness<Options> {
  factory: ProviderFactory<Options>;
  /** A valid message for one of the provider's channels. */
  message(): OutgoingMessage;
  start(): Promise<HarnessRun>;
  /** Options that must be refused, each with the option path the error must name. */
  invalidOptions: { options: unknown; path: string }[];
  /** The Retry-After the stand-in sends in `rate_limited`, in ms; undefined if the vendor sends none. */
  retryAfterMs?: number;
  /**
   * The scenarios the vendor can exhibit; default all. Only a provider with no remote end (such
   * as `outbox`) may leave some out, since it has no credentials to refuse and nothing to hang.
   */
  scenarios?: readonly Scenario[];
}

const ALL_SCENARIOS: readonly Scenario[] = ['success', 'unauthorized', 'invalid_request', 'rate_limited', 'server_error', 'hang'];

/** Runs the conformance suite every provider, built-in or plugin, must pass. */
export function describeProviderConformance<Options>(harness: ProviderHarness<Options>): void {
  const type = harness.factory.type;
  const supported = new Set(harness.scenarios ?? ALL_SCENARIOS);
  describe(`provider conformance: ${type}`, () => {
    let run: HarnessRun;
    let provider: Provider;

    beforeEach(async () => {
      run = await harness.start();
      const validated = await validateOptions(harness.factory as ProviderFactory, run.options, `providers.${type}`);
      if ('issues' in validated) throw new Error(`harness options invalid: ${JSON.stringify(validated.issues)}`);
      provider = harness.factory.create(validated.value as Options, { name: `${type}-test`, logger: silentLogger, clock: systemClock });
    });

    afterEach(async () => {
      await provider.close?.();
      await run.close();
    });

    const send = (signal: AbortSignal = AbortSignal.timeout(10_000)) => provider.send(harness.message(), { signal });

    async function failure(scenario: Scenario): Promise<ProviderError> {
      run.use(scenario);
      const error = await send().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, `${scenario} must fail`).toBeDefined();
      const cause = (error as Error).cause;
      const text = [
        String((error as Error).message),
        JSON.stringify(error),
        JSON.stringify((error as ProviderError).vendor),
        cause instanceof Error ? `${cause.message} ${JSON.stringify(cause)}` : JSON.stringify(cause ?? null),
      ].join(' ');
      for (const secret of run.secrets) expect(text, 'a secret leaked into an error').not.toContain(secret);
      return error as ProviderError;
    }

    it('declares a type, channels and an options schema', () => {
      expect(harness.factory.type).toMatch(/^[a-z][a-z0-9_-]*$/);
      expect(harness.factory.channels.length).toBeGreaterThan(0);
      expect(harness.factory.channels).toContain(harness.message().channel);
    });

    it('refuses invalid options, naming the path', async () => {
      for (const { options, path } of harness.invalidOptions) {
        const result = await validateOptions(harness.factory as ProviderFactory, options, `providers.${type}`);
        expect('issues' in result, `options ${JSON.stringify(options)} must be refused`).toBe(true);
        if ('issues' in result) expect(result.issues.map((i) => i.path)).toContain(`providers.${type}.${path}`);
      }
      const unknown = await validateOptions(harness.factory as ProviderFactory, { ...run.options, bogusOption: 1 }, `providers.${type}`);
      expect('issues' in unknown && unknown.issues.map((i) => i.path)).toContain(`providers.${type}.bogusOption`);
    });

    it('refuses a timeoutMs beyond what a timer can wait, if it takes one', async () => {
      const takesTimeout = await validateOptions(harness.factory as ProviderFactory, { ...run.options, timeoutMs: 1_000 }, `providers.${type}`);
      if ('issues' in takesTimeout) return; // no such option: nothing to cap
      const tooLong = await validateOptions(harness.factory as ProviderFactory, { ...run.options, timeoutMs: MAX_TIMER_MS + 1 }, `providers.${type}`);
      expect('issues' in tooLong && tooLong.issues.map((i) => i.path)).toContain(`providers.${type}.timeoutMs`);
    });

    if (supported.has('success'))
      it('returns the vendor message id on success', async () => {
      run.use('success');
      const result = await send();
      expect(typeof result.providerMessageId).toBe('string');
      expect(result.providerMessageId.length).toBeGreaterThan(0);
    });

    if (supported.has('unauthorized'))
      it('maps bad credentials to a permanent error with the vendor status', async () => {
      const error = await failure('unauthorized');
      expectKind(error, 'permanent');
      expect(error.vendor.status).toBeDefined();
    });

    if (supported.has('invalid_request'))
      it('maps an invalid request to a permanent error with the vendor details', async () => {
      const error = await failure('invalid_request');
      expectKind(error, 'permanent');
      expect(error.vendor.status).toBeDefined();
    });

    if (supported.has('rate_limited'))
      it('maps rate limiting to a rate-limited error with its Retry-After', async () => {
      const error = await failure('rate_limited');
      expectKind(error, 'rate_limited');
      expect((error as RateLimitedProviderError).retryAfterMs).toBe(harness.retryAfterMs);
    });

    if (supported.has('server_error'))
      it('maps a server error to a retryable error', async () => {
      const error = await failure('server_error');
      expectKind(error, 'retryable');
    });

    if (supported.has('hang'))
      it('honours a timeout signal on a hung vendor', async () => {
      run.use('hang');
      const started = Date.now();
      const error = await send(AbortSignal.timeout(200)).catch((e: unknown) => e);
      expectKind(error, 'retryable');
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    if (supported.has('hang'))
      it('honours an abort while the vendor hangs', async () => {
      run.use('hang');
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('shutting down')), 50);
      const error = await send(controller.signal).catch((e: unknown) => e);
      expectKind(error, 'retryable');
    });
  });
}

/**
 * Checks an error's kind the way Missive decides on it: by `kind`, which also holds for errors
 * built by a plugin's own copy of Missive (where `instanceof` would not).
 */
function expectKind(error: unknown, kind: ProviderErrorKind): void {
  expect(isProviderError(error), `expected a provider error, got ${String(error)}`).toBe(true);
  expect((error as ProviderError).kind).toBe(kind);
}

/** A message for tests, with sensible defaults per channel. */
export function testMessage(overrides: Partial<OutgoingMessage> & Pick<OutgoingMessage, 'channel' | 'to'>): OutgoingMessage {
  return {
    id: '01JTESTMESSAGE0000000000000',
    content: overrides.channel === 'webhook' ? { data: { hello: 'world' } } : { subject: 'Hello', text: 'Hello there' },
    idempotencyKey: 'idem-key-1',
    attempt: 1,
    delivery: { mode: 'immediate' },
    ...overrides,
  };
}
