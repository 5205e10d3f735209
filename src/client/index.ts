/**
 * A typed client for Missive's HTTP API (`missive/client`). It imports types only from the
 * server's modules, so it pulls in no server code: it runs wherever `fetch` does.
 */
import type { Problem } from '../http/problem.js';
import type { ReadinessResponse, RescheduleBody, SendResponse } from '../http/schemas.js';
import type { MessageInput } from '../message/schema.js';
import type { Delivery } from '../message/types.js';
import type { MessageView } from '../message/view.js';
import type { DeadLetterPage, ReplayReceipt } from '../runtime/services/dead-letters.js';
import type { ProvidersReport } from '../runtime/services/providers.js';

export type { DeadLetterPage, Delivery, MessageInput, MessageView, Problem, ProvidersReport, ReplayReceipt, SendResponse };

/** Options of {@link MissiveClient}. */
export interface MissiveClientOptions {
  /** Base URL of the API, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** Base URL of /healthz, /readyz and /metrics when served on their own port. Default `baseUrl`. */
  opsBaseUrl?: string;
  /** Sent as `Authorization: Bearer <apiKey>` on every request. Default none (an open API). */
  apiKey?: string;
  /** The fetch to use. Default the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** The API answered with an error; `problem` is its RFC 9457 document. */
export class MissiveApiError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** Missive's stable problem code, e.g. `validation_failed`, `already_dispatched`. */
  readonly code: string;
  constructor(readonly problem: Problem) {
    super(`${problem.title}: ${problem.detail}`);
    this.name = 'MissiveApiError';
    this.status = problem.status;
    this.code = problem.code;
  }
}

/** What {@link MissiveClient.ready} reports. */
export interface ReadyReport {
  ready: boolean;
  checks: ReadinessResponse['checks'];
}

/** Calls Missive's HTTP API; every method throws {@link MissiveApiError} on an error answer. */
export class MissiveClient {
  readonly #baseUrl: string;
  readonly #opsBaseUrl: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #headers: Record<string, string>;

  constructor(options: MissiveClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#opsBaseUrl = (options.opsBaseUrl ?? options.baseUrl).replace(/\/+$/, '');
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#headers = { ...options.headers, ...(options.apiKey !== undefined && { authorization: `Bearer ${options.apiKey}` }) };
  }

  /** Sends a message now or at `delivery.at`; resolves once Missive has durably accepted it. */
  async sendMessage(message: MessageInput, options: CallOptions & { idempotencyKey?: string } = {}): Promise<SendResponse> {
    const headers: Record<string, string> = options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey };
    return this.#json('POST', '/v1/messages', { body: message, headers, signal: options.signal });
  }

  /** A message's status and history. */
  async getMessage(id: string, options: CallOptions = {}): Promise<MessageView> {
    return this.#json('GET', `/v1/messages/${encodeURIComponent(id)}`, options);
  }

  /** Cancels a scheduled message before dispatch; returns it as it now is. */
  async cancelMessage(id: string, options: CallOptions = {}): Promise<MessageView> {
    return this.#json('DELETE', `/v1/messages/${encodeURIComponent(id)}`, options);
  }

  /** Moves a scheduled message to a time (a Date or ISO 8601 string with offset), or to now with `{ mode: 'immediate' }`. */
  async rescheduleMessage(id: string, when: Date | string | Delivery, options: CallOptions = {}): Promise<MessageView> {
    const delivery: Delivery = typeof when === 'string' || when instanceof Date ? { mode: 'scheduled', at: typeof when === 'string' ? when : when.toISOString() } : when;
    const body: RescheduleBody = { delivery };
    return this.#json('PATCH', `/v1/messages/${encodeURIComponent(id)}`, { ...options, body });
  }

  /** Provider types, configured instances, channel order and circuits (secrets redacted). */
  async listProviders(options: CallOptions = {}): Promise<ProvidersReport> {
    return this.#json('GET', '/v1/providers', options);
  }

  /** One page of dead letters; pass the page's `next` as `after` for the following one. */
  async listDeadLetters(page: { limit?: number; after?: string } = {}, options: CallOptions = {}): Promise<DeadLetterPage> {
    const query = new URLSearchParams();
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    if (page.after !== undefined) query.set('after', page.after);
    const search = query.toString();
    return this.#json('GET', `/v1/dead-letters${search === '' ? '' : `?${search}`}`, options);
  }

  /** Sends a dead-lettered message again, with fresh attempts. */
  async replayDeadLetter(id: string, options: CallOptions = {}): Promise<ReplayReceipt> {
    return this.#json('POST', `/v1/dead-letters/${encodeURIComponent(id)}/replay`, options);
  }

  /** Liveness: resolves when the process is up. */
  async health(options: CallOptions = {}): Promise<{ status: 'ok' }> {
    return this.#json('GET', '/healthz', { ...options, ops: true });
  }

  /** Readiness: whether RabbitMQ and the store are reachable (does not throw when not ready). */
  async ready(options: CallOptions = {}): Promise<ReadyReport> {
    try {
      const report = await this.#json<ReadinessResponse>('GET', '/readyz', { ...options, ops: true });
      return { ready: true, checks: report.checks };
    } catch (error) {
      if (error instanceof MissiveApiError && error.code === 'not_ready') return { ready: false, checks: error.problem.checks as ReadyReport['checks'] };
      throw error;
    }
  }

  /** The metrics, in the Prometheus text format. */
  async metrics(options: CallOptions = {}): Promise<string> {
    const response = await this.#request('GET', '/metrics', { ...options, ops: true });
    return response.text();
  }

  /** The OpenAPI document of the API. */
  async openApi(options: CallOptions = {}): Promise<Record<string, unknown>> {
    return this.#json('GET', '/docs/openapi.json', options);
  }

  async #json<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const response = await this.#request(method, path, options);
    return (await response.json()) as T;
  }

  async #request(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.#headers, ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.#fetch(`${options.ops ? this.#opsBaseUrl : this.#baseUrl}${path}`, {
      method,
      headers,
      ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
      ...(options.signal && { signal: options.signal }),
    });
    if (!response.ok) throw new MissiveApiError(await problemOf(response));
    return response;
  }
}

interface RequestOptions extends CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent to the ops base URL. */
  ops?: boolean;
}

/** The problem document of an error response; one is made up when the body is not one (a proxy's page). */
async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    if (typeof body === 'object' && body !== null && typeof body.title === 'string' && typeof body.code === 'string') {
      return { ...body, status: response.status, type: body.type ?? 'about:blank', detail: body.detail ?? '' } as Problem;
    }
  } catch {
    // not JSON: described below
  }
  return {
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: text.slice(0, 500),
    code: `http_${response.status}`,
  };
}
