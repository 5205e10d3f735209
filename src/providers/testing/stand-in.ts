import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request the stand-in received. */
export interface RecordedRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What the stand-in answers. `hang` never answers; `drop` destroys the connection. */
export type StandInReply = { status: number; headers?: Record<string, string>; body?: unknown } | 'hang' | 'drop';

/** Decides the reply to each request. */
export type Responder = (request: RecordedRequest) => StandInReply | Promise<StandInReply>;

/**
 * A local HTTP server that plays a vendor's API in tests: it records every request and answers
 * as the current responder says (success, the vendor's documented errors, a hang, a drop).
 */
export class StandInServer {
  readonly requests: RecordedRequest[] = [];
  #responder: Responder;
  readonly #sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    responder: Responder,
  ) {
    this.#responder = responder;
  }

  /** Starts a stand-in on a free port of 127.0.0.1. */
  static async start(responder: Responder = () => ({ status: 200, body: {} })): Promise<StandInServer> {
    const server = createServer((req, res) => void stand.handle(req, res));
    const stand: StandInServer = new StandInServer(server, responder);
    server.on('connection', (socket) => {
      stand.#sockets.add(socket);
      socket.on('close', () => stand.#sockets.delete(socket));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return stand;
  }

  /** Base URL, e.g. `http://127.0.0.1:54321`. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Replaces the responder. */
  respond(responder: Responder): void {
    this.#responder = responder;
  }

  /** The last request received. */
  last(): RecordedRequest {
    const request = this.requests.at(-1);
    if (!request) throw new Error('the stand-in received no request');
    return request;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(recorded);
    const reply = await this.#responder(recorded);
    if (reply === 'hang') return;
    if (reply === 'drop') {
      req.socket.destroy();
      return;
    }
    const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    const headers = { 'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json', ...reply.headers };
    res.writeHead(reply.status, headers).end(body);
  }
}
