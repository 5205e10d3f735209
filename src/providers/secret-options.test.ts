import { describe, expect, it } from 'vitest';
import { redactOptions } from './secret-options.js';

describe('redactOptions', () => {
  it('redacts the declared options and the ones whose name looks secret', () => {
    const { options, secrets } = redactOptions({ credential: 'cred-123', apiKey: 'key-456', from: 'me@example.com', port: 25 }, ['credential']);
    expect(options).toEqual({ credential: '[REDACTED]', apiKey: '[REDACTED]', from: 'me@example.com', port: 25 });
    expect(secrets.sort()).toEqual(['cred-123', 'key-456']);
  });

  it('reaches into object options with dotted paths, * standing for every key', () => {
    const raw = { headers: { Authorization: 'Bearer hdr-secret-123', 'X-Tenant': 'tenant-secret-9' }, secret: 'whsec_x' };
    const { options, secrets } = redactOptions(raw, ['secret', 'headers.*']);
    expect(options).toEqual({ headers: { Authorization: '[REDACTED]', 'X-Tenant': '[REDACTED]' }, secret: '[REDACTED]' });
    expect(secrets.sort()).toEqual(['Bearer hdr-secret-123', 'tenant-secret-9', 'whsec_x']);
  });

  it('takes every string inside a secret object option, and looks for secret names at any depth', () => {
    const declared = redactOptions({ auth: { user: 'u-1', keys: ['k-1', 'k-2'] } }, ['auth']);
    expect(declared.options).toEqual({ auth: '[REDACTED]' });
    expect(declared.secrets.sort()).toEqual(['k-1', 'k-2', 'u-1']);
    const undeclared = redactOptions({ extra: { nested: { password: 'pw-nested-1' }, name: 'visible' } }, []);
    expect(undeclared.options).toEqual({ extra: { nested: { password: '[REDACTED]' }, name: 'visible' } });
    expect(undeclared.secrets).toEqual(['pw-nested-1']);
  });

  it('masks the password of any URL option and keeps it as a secret, as written and decoded', () => {
    const { options, secrets } = redactOptions({ baseUrl: 'https://user:p%40ss-word@vendor.example/v1', other: 'https://vendor.example/' }, []);
    expect(options.baseUrl).toBe('https://user:***@vendor.example/v1');
    expect(options.other).toBe('https://vendor.example/');
    expect(secrets.sort()).toEqual(['p%40ss-word', 'p@ss-word']);
    expect(JSON.stringify(options)).not.toContain('ss-word');
  });

  it('leaves options without secrets as they are', () => {
    const raw = { path: './out.jsonl', list: [1, 'two'], flag: true, none: null };
    expect(redactOptions(raw, ['missing', 'list.*.x'])).toEqual({ options: raw, secrets: [] });
  });
});
