import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpStandIn } from '../../src/providers/smtp/testing/smtp-stand-in.js';
import { type RecordedRequest, StandInServer, type StandInReply } from '../../src/providers/testing/stand-in.js';
import { startTestMissive, type TestMissive } from '../support/missive.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';

/** One local server answering as each vendor does on success, by path. */
function vendorReply(request: RecordedRequest): StandInReply {
  const path = request.url.split('?')[0] ?? '';
  if (path === '/v3/mail/send') return { status: 202, headers: { 'x-message-id': 'sg-1' }, body: '' };
  if (path === '/v3/mg.example.com/messages') return { status: 200, body: { id: '<mg-1@mg.example.com>', message: 'Queued. Thank you.' } };
  if (path === '/v2/email/outbound-emails') return { status: 200, body: { MessageId: 'ses-1' } };
  if (path === `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`) return { status: 201, body: { sid: 'SM123', status: 'queued' } };
  if (path === '/sms/json') return { status: 200, body: { 'message-count': '1', messages: [{ status: '0', 'message-id': 'vonage-1' }] } };
  if (path === '/slack/hook') return { status: 200, body: 'ok' };
  if (path === '/api/webhooks/1/token') return { status: 200, body: { id: 'discord-1' } };
  if (path === '/hook') return { status: 204 };
  return { status: 404, body: { error: `no such path ${path}` } };
}

describe('the worker delivers through every built-in provider type', () => {
  let vendor: StandInServer;
  let smtp: SmtpStandIn;
  let missive: TestMissive;

  beforeAll(async () => {
    vendor = await StandInServer.start(vendorReply);
    smtp = await SmtpStandIn.start({ user: 'mailer', pass: 'smtp-pass' });
    const base = vendor.url;
    missive = await startTestMissive('sqlite', {
      config: {
        providers: {
          smtp: { type: 'smtp', host: '127.0.0.1', port: smtp.port, user: 'mailer', pass: 'smtp-pass', from: 'me@example.com' },
          sendgrid: { type: 'sendgrid', apiKey: 'SG.key', from: 'me@example.com', baseUrl: base },
          mailgun: { type: 'mailgun', apiKey: 'mg-key', domain: 'mg.example.com', from: 'me@example.com', baseUrl: base },
          ses: { type: 'ses', region: 'eu-west-1', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'ses-secret', from: 'me@example.com', baseUrl: base },
          twilio: { type: 'twilio', accountSid: ACCOUNT, authToken: 'twilio-token', from: '+15005550006', baseUrl: base },
          vonage: { type: 'vonage', apiKey: 'vk', apiSecret: 'vonage-secret', from: 'Missive', baseUrl: base },
          hooks: { type: 'webhook', secret: SECRET, allowPrivateNetworks: true },
          slack: { type: 'slack', webhookUrl: `${base}/slack/hook` },
          discord: { type: 'discord', webhookUrl: `${base}/api/webhooks/1/token` },
        },
      },
    });
  });

  afterAll(async () => {
    await missive?.destroy();
    await vendor?.close();
    await smtp?.close();
  });

  async function deliver(message: Record<string, unknown>): Promise<string> {
    const { id } = await (await missive.runtime.producer()).send(message);
    await expect.poll(async () => (await missive.runtime.store.getMessage(id))?.status, { timeout: 10_000 }).toBe('delivered');
    return id;
  }

  const lastTo = (path: string) => [...vendor.requests].reverse().find((r) => r.url.startsWith(path));

  it('smtp', async () => {
    await deliver({ channel: 'email', to: 'you@example.com', subject: 'Over SMTP', text: 'hello', provider: 'smtp' });
    expect(smtp.received.at(-1)).toMatchObject({ from: 'me@example.com', to: ['you@example.com'], user: 'mailer' });
    expect(smtp.received.at(-1)?.data).toContain('Subject: Over SMTP');
  });

  it('sendgrid', async () => {
    const id = await deliver({ channel: 'email', to: 'you@example.com', subject: 'S', html: '<b>hi</b>', provider: 'sendgrid' });
    const request = lastTo('/v3/mail/send')!;
    expect(request.headers.authorization).toBe('Bearer SG.key');
    expect(JSON.parse(request.body)).toMatchObject({ personalizations: [{ to: [{ email: 'you@example.com' }] }], from: { email: 'me@example.com' }, subject: 'S' });
    expect((await missive.runtime.store.getMessage(id))?.providerMessageId).toBe('sg-1');
  });

  it('mailgun', async () => {
    await deliver({ channel: 'email', to: 'you@example.com', subject: 'M', text: 't', provider: 'mailgun' });
    const request = lastTo('/v3/mg.example.com/messages')!;
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('api:mg-key').toString('base64')}`);
    expect(new URLSearchParams(request.body).get('to')).toBe('you@example.com');
  });

  it('ses', async () => {
    await deliver({ channel: 'email', to: 'you@example.com', subject: 'E', text: 't', provider: 'ses' });
    const request = lastTo('/v2/email/outbound-emails')!;
    expect(String(request.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/ses\/aws4_request/);
    expect(JSON.parse(request.body)).toMatchObject({ Destination: { ToAddresses: ['you@example.com'] }, Content: { Simple: { Subject: { Data: 'E' } } } });
  });

  it('twilio', async () => {
    await deliver({ channel: 'sms', to: '+14155550100', text: 'by twilio', provider: 'twilio' });
    const request = lastTo('/2010-04-01/')!;
    expect(Object.fromEntries(new URLSearchParams(request.body))).toMatchObject({ To: '+14155550100', From: '+15005550006', Body: 'by twilio' });
  });

  it('vonage', async () => {
    await deliver({ channel: 'sms', to: '+14155550100', text: 'by vonage', provider: 'vonage' });
    const body = Object.fromEntries(new URLSearchParams(lastTo('/sms/json')!.body));
    expect(body).toMatchObject({ to: '14155550100', from: 'Missive', text: 'by vonage', api_key: 'vk' });
  });

  it('webhook, signed the Standard Webhooks way', async () => {
    const id = await deliver({ channel: 'webhook', to: `${vendor.url}/hook`, data: { a: 1 }, provider: 'hooks' });
    const request = lastTo('/hook')!;
    expect(request.body).toBe('{"a":1}');
    expect(request.headers['webhook-id']).toBe(id);
    const timestamp = String(request.headers['webhook-timestamp']);
    const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${request.body}`).digest('base64');
    expect(String(request.headers['webhook-signature']).split(' ')).toContain(`v1,${expected}`);
  });

  it('slack', async () => {
    await deliver({ channel: 'chat', to: '#ops', text: 'to slack', provider: 'slack' });
    expect(JSON.parse(lastTo('/slack/hook')!.body)).toMatchObject({ text: 'to slack' });
  });

  it('discord', async () => {
    await deliver({ channel: 'chat', to: 'ignored', text: 'to discord', provider: 'discord' });
    const request = lastTo('/api/webhooks/1/token')!;
    expect(request.url).toContain('wait=true');
    expect(JSON.parse(request.body)).toMatchObject({ content: 'to discord' });
  });
});
