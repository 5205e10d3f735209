import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** How the stand-in behaves: accepts mail, or fails the way real SMTP servers do. */
export type SmtpBehaviour =
  | 'accept'
  /** 535 to AUTH, whatever the credentials. */
  | 'bad_credentials'
  /** 550 to RCPT TO: mailbox unavailable. */
  | 'reject_recipient'
  /** 421 to MAIL FROM, closing the connection: the server sheds load. */
  | 'rate_limit'
  /** 451 after the message data: local error in processing. */
  | 'server_error'
  /** Closes the connection instead of answering RCPT TO. */
  | 'drop'
  /** Never answers RCPT TO. */
  | 'hang'
  /** Never sends its greeting. */
  | 'hang_greeting';

/** A message the stand-in accepted. */
export interface ReceivedMail {
  user: string | undefined;
  from: string;
  to: string[];
  /** The raw message (headers and body) as sent after DATA. */
  data: string;
}

/** Credentials the stand-in accepts. */
export interface SmtpCredentials {
  user: string;
  pass: string;
}

function replyError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 that plays a mail provider in tests: it checks
 * credentials, records what it accepts, and fails, drops or hangs on demand.
 */
export class SmtpStandIn {
  readonly received: ReceivedMail[] = [];
  /** Connections accepted so far. */
  sessionsOpened = 0;
  behaviour: SmtpBehaviour = 'accept';
  readonly #server: SMTPServer;

  private constructor(credentials: SmtpCredentials) {
    this.#server = new SMTPServer({
      logger: false,
      // Plain-text sessions keep the test free of certificates; the provider negotiates STARTTLS
      // only when offered.
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      closeTimeout: 20,
      disableReverseLookup: true,
      onConnect: (_session, callback) => {
        this.sessionsOpened += 1;
        if (this.behaviour !== 'hang_greeting') callback();
      },
      onAuth: (auth, _session, callback) => {
        if (this.behaviour === 'bad_credentials' || auth.username !== credentials.user || auth.password !== credentials.pass) {
          callback(replyError(535, '5.7.8 Authentication credentials invalid'));
          return;
        }
        callback(null, { user: auth.username });
      },
      onMailFrom: (_address, _session, callback) => {
        if (this.behaviour === 'rate_limit') callback(replyError(421, '4.7.0 Too many messages, try again later'));
        else callback();
      },
      onRcptTo: (address, session, callback) => {
        if (this.behaviour === 'hang') return;
        if (this.behaviour === 'drop') {
          this.connectionOf(session)?.close();
          return;
        }
        if (this.behaviour === 'reject_recipient') callback(replyError(550, `5.1.1 <${address.address}>: mailbox unavailable`));
        else callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if (this.behaviour === 'server_error') {
            callback(replyError(451, '4.3.0 Local error in processing'));
            return;
          }
          const { mailFrom, rcptTo } = session.envelope;
          this.received.push({
            user: typeof session.user === 'string' ? session.user : undefined,
            from: mailFrom ? mailFrom.address : '',
            to: rcptTo.map((rcpt) => rcpt.address),
            data: Buffer.concat(chunks).toString('utf8'),
          });
          callback(null, '2.0.0 Ok: queued as 4AB2C3D4');
        });
      },
    });
  }

  /** Starts a stand-in on a free port of 127.0.0.1 that accepts the given credentials. */
  static async start(credentials: SmtpCredentials): Promise<SmtpStandIn> {
    const stand = new SmtpStandIn(credentials);
    await new Promise<void>((done) => stand.#server.listen(0, '127.0.0.1', done));
    return stand;
  }

  get port(): number {
    return (this.#server.server.address() as AddressInfo).port;
  }

  /** Connections open right now. */
  get openConnections(): number {
    return this.#server.connections.size;
  }

  async close(): Promise<void> {
    for (const connection of this.#server.connections) connection.close();
    await new Promise<void>((done) => this.#server.close(done));
  }

  private connectionOf(session: SMTPServerSession) {
    return [...this.#server.connections].find((connection) => connection.session === session);
  }
}
