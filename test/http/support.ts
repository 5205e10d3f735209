import { MissiveClient } from '../../src/client/index.js';
import { type RunningServer, startApiServer } from '../../src/http/listen.js';
import { startTestMissive, type TestMissive, type TestMissiveOptions } from '../support/missive.js';
import type { StoreKind } from '../support/stores.js';

/** A test Missive with its HTTP API listening on a free port, and a client for it. */
export interface TestApi {
  missive: TestMissive;
  server: RunningServer;
  url: string;
  client: MissiveClient;
  /** A raw request to the API (for what the typed client will not send). */
  request(path: string, init?: RequestInit): Promise<Response>;
  destroy(): Promise<void>;
}

/** Options of {@link startTestApi}. */
export interface TestApiOptions extends TestMissiveOptions {
  apiKeys?: string[];
  bodyLimitBytes?: number;
}

/**
 * Starts Missive in this process (default: no roles, so accepted messages stay put) against the
 * real RabbitMQ and store, and its API with the ops routes on port 0.
 */
export async function startTestApi(kind: StoreKind, options: TestApiOptions = {}): Promise<TestApi> {
  const missive = await startTestMissive(kind, { roles: [], ...options });
  const settings = missive.runtime.settings;
  settings.apiKeys = options.apiKeys ?? [];
  if (options.bodyLimitBytes !== undefined) settings.http.bodyLimitBytes = options.bodyLimitBytes;
  let server: RunningServer;
  try {
    server = await startApiServer(missive.runtime, { port: 0, withOps: true }, { breakers: true });
  } catch (error) {
    await missive.destroy();
    throw error;
  }
  const key = options.apiKeys?.[0];
  return {
    missive,
    server,
    url: server.url,
    client: new MissiveClient({ baseUrl: server.url, ...(key !== undefined && { apiKey: key }) }),
    request: (path, init) => fetch(`${server.url}${path}`, init),
    destroy: async () => {
      await server.close();
      await missive.destroy();
    },
  };
}
