/**
 * A typed client for Missive's HTTP API (`missive/client`). It imports types only from the
 * server's modules, so it pulls in no server code: it runs wherever `fetch` does.
 */
import type { CreatedBatch } from '../batch/service.js';
import type { ItemStatus } from '../batch/types.js';
import type { BatchItemView, BatchView } from '../batch/view.js';
import type { Problem } from '../http/problem.js';
import type { BatchItemPage, ReadinessResponse, RescheduleBody, SendResponse } from '../http/schemas.js';
import type { MessageInput } from '../message/schema.js';
import type { Delivery } from '../message/types.js';
import type { MessageView } from '../message/view.js';
import type { DeadLetterPage, ReplayReceipt } from '../runtime/services/dead-letters.js';
import type { ProvidersReport } from '../runtime/services/providers.js';

export type {
  BatchItemPage,
  BatchItemView,
  BatchView,
  CreatedBatch,
  DeadLetterPage,
  Delivery,
  ItemStatus,
  MessageInput,
  MessageView,
  Problem,
  ProvidersReport,
  ReplayReceipt,
  SendResponse,
};

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

/** Options of a new batch, in either form of {@link MissiveClient.createBatch}. */
export interface BatchOptions {
  /** Refuse the whole batch at the first bad row. Default false: bad rows are skipped and reported. */
  strict?: boolean;
  /** Start no earlier than this time (a Date, or ISO 8601 with offset). Default at once. */
  at?: Date | string;
  /** Items sent at once. Default the server's `batch.concurrency` setting. */
  concurrency?: number;
  /** Resume by itself when the circuit that paused the batch closes. Default true. */
  autoResume?: boolean;
  /** Provider instance to send through. Default the template's, else the channel's primary. */
  provider?: string;
}

/** A batch template: a message without `to`, whose strings may hold `{{column}}` placeholders. */
export type BatchTemplate = Record<string, unknown>;

/** A batch whose recipients are given inline (sent as one JSON body, bound by the server's body limit). */
export interface CreateBatchJson extends BatchOptions {
  template: BatchTemplate;
  /** One object per recipient: `to` and the columns the placeholders name. */
  recipients: ({ to: string } & Record<string, unknown>)[];
}

/** A batch whose recipients file is streamed: never read whole into memory on either side. */
export interface CreateBatchUpload extends BatchOptions {
  template: BatchTemplate;
  /** The file's bytes: a web ReadableStream, a Node Readable, or any async iterable of chunks. */
  recipients: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;
  /** `text/csv`, or `application/x-ndjson` (also `application/jsonl`) for NDJSON. */
  contentType: string;
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

  /**
   * Creates a batch. With `recipients` an array, one JSON request; with a stream and a
   * `contentType`, the file is uploaded as it is read, the template and options in the query.
   */
  async createBatch(request: CreateBatchJson | CreateBatchUpload, options: CallOptions = {}): Promise<CreatedBatch> {
    const at = request.at instanceof Date ? request.at.toISOString() : request.at;
    if (Array.isArray(request.recipients)) {
      return this.#json('POST', '/v1/batches', { ...options, body: { ...request, ...(at !== undefined && { at }) } });
    }
    const upload = request as CreateBatchUpload;
    const query = new URLSearchParams({ template: JSON.stringify(upload.template) });
    if (upload.strict !== undefined) query.set('strict', String(upload.strict));
    if (at !== undefined) query.set('at', at);
    if (upload.concurrency !== undefined) query.set('concurrency', String(upload.concurrency));
    if (upload.autoResume !== undefined) query.set('autoResume', String(upload.autoResume));
    if (upload.provider !== undefined) query.set('provider', upload.provider);
    return this.#json('POST', `/v1/batches?${query.toString()}`, { ...options, upload: { body: webStream(upload.recipients), contentType: upload.contentType } });
  }

  /** A batch's status, counts, rate and ETA. */
  async getBatch(id: string, options: CallOptions = {}): Promise<BatchView> {
    return this.#json('GET', `/v1/batches/${encodeURIComponent(id)}`, options);
  }

  /** Pauses a batch: no new items are sent; returns it as it now is. */
  async pauseBatch(id: string, options: CallOptions = {}): Promise<BatchView> {
    return this.#json('POST', `/v1/batches/${encodeURIComponent(id)}/pause`, options);
  }

  /** Resumes a paused batch where it left off. */
  async resumeBatch(id: string, options: CallOptions = {}): Promise<BatchView> {
    return this.#json('POST', `/v1/batches/${encodeURIComponent(id)}/resume`, options);
  }

  /** Cancels a batch: none of its remaining items are sent. */
  async cancelBatch(id: string, options: CallOptions = {}): Promise<BatchView> {
    return this.#json('POST', `/v1/batches/${encodeURIComponent(id)}/cancel`, options);
  }

  /** One page of a batch's items in order; pass the page's `next` as `after` for the following one. */
  async listBatchItems(id: string, page: { status?: ItemStatus; after?: number; limit?: number } = {}, options: CallOptions = {}): Promise<BatchItemPage> {
    const query = new URLSearchParams();
    if (page.status !== undefined) query.set('status', page.status);
    if (page.after !== undefined) query.set('after', String(page.after));
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    const search = query.toString();
    return this.#json('GET', `/v1/batches/${encodeURIComponent(id)}/items${search === '' ? '' : `?${search}`}`, options);
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
    if (options.upload !== undefined) headers['content-type'] = options.upload.contentType;
    const response = await this.#fetch(`${options.ops ? this.#opsBaseUrl : this.#baseUrl}${path}`, {
      method,
      headers,
      ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
      // A streamed body needs `duplex: 'half'`; and `redirect: 'error'`, because to be able to follow
      // a redirect fetch clones the request, teeing the body, and the unread branch would keep a
      // copy of the whole upload in memory (the API never redirects).
      ...(options.upload !== undefined && { body: options.upload.body, duplex: 'half' as const, redirect: 'error' as const }),
      ...(options.signal && { signal: options.signal }),
    });
    if (!response.ok) throw new MissiveApiError(await problemOf(response));
    return response;
  }
}

interface RequestOptions extends CallOptions {
  body?: unknown;
  /** A streamed body of this content type (instead of a JSON `body`). */
  upload?: { body: ReadableStream<Uint8Array>; contentType: string };
  headers?: Record<string, string>;
  /** Sent to the ops base URL. */
  ops?: boolean;
}

/**
 * The upload as a web ReadableStream, which every fetch accepts as a body (a Node Readable and
 * other async iterables are read one chunk per pull, so backpressure reaches the source).
 */
function webStream(source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>): ReadableStream<Uint8Array> {
  if (typeof (source as ReadableStream<Uint8Array>).getReader === 'function') return source as ReadableStream<Uint8Array>;
  const iterator = (source as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(typeof next.value === 'string' ? encoder.encode(next.value) : next.value);
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
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
