import { type Dispatcher, errors as undiciErrors, request } from 'undici';
import { RetryableProviderError } from '../errors.js';

/** Largest response body read from a vendor; the rest is discarded. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** An HTTP request to a vendor. */
export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Aborts the request (attempt timeout, shutdown). */
  signal: AbortSignal;
  /** A timeout of the provider's own, combined with `signal`. */
  timeoutMs?: number;
  /** Connection pool to use (for example one that refuses private addresses). */
  dispatcher?: Dispatcher;
}

/** A vendor's response with its body read as text. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Sends one HTTP request and reads the response. Redirects are never followed. Network failures,
 * timeouts and aborts become RetryableProviderError (code `timeout` or the socket error code);
 * any HTTP status is returned, for the provider to classify with its vendor's error body.
 */
export async function httpRequest(provider: string, req: HttpRequest): Promise<HttpResponse> {
  const signal = req.timeoutMs === undefined ? req.signal : AbortSignal.any([req.signal, AbortSignal.timeout(req.timeoutMs)]);
  try {
    const response = await request(req.url, {
      method: req.method ?? 'POST',
      headers: req.headers,
      body: req.body,
      signal,
      dispatcher: req.dispatcher,
    });
    const text = await readLimited(response.body);
    return { status: response.statusCode, headers: response.headers, text };
  } catch (error) {
    throw networkError(provider, error, signal);
  }
}

async function readLimited(body: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (size < MAX_RESPONSE_BYTES) chunks.push(buffer.subarray(0, MAX_RESPONSE_BYTES - size));
    size += buffer.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

function networkError(provider: string, error: unknown, signal: AbortSignal): RetryableProviderError {
  if (signal.aborted || error instanceof undiciErrors.RequestAbortedError) {
    return new RetryableProviderError(`${provider}: request timed out or was aborted`, { code: 'timeout' }, { cause: error });
  }
  const code = (error as { code?: unknown }).code;
  const detail = error instanceof Error ? error.message : String(error);
  return new RetryableProviderError(
    `${provider}: network error: ${detail}`,
    typeof code === 'string' ? { code } : {},
    { cause: error },
  );
}

/** Parses a JSON body, returning undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The first value of a response header. */
export function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
