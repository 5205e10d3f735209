import type { LookupAddress } from 'node:dns';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guardedLookup, ipLiteralOf, isPrivateAddress, PrivateAddressError } from './address-guard.js';

const PRIVATE = {
  loopback: ['127.0.0.1', '127.255.255.254', '::1'],
  private: ['10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.0.1', 'fc00::1', 'fd12:3456::1'],
  linkLocal: ['169.254.169.254', 'fe80::1', 'fe80::1%eth0', 'febf::1'],
  unspecified: ['0.0.0.0', '::', '0.1.2.3'],
  cgnat: ['100.64.0.1', '100.127.255.255'],
  mapped: ['::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::ffff:0.0.0.0', '0:0:0:0:0:ffff:c0a8:101'],
  other: ['224.0.0.1', '255.255.255.255', '64:ff9b::7f00:1', '64:ff9b::10.1.2.3', 'ff02::1', '::127.0.0.1'],
};
const PUBLIC = ['8.8.8.8', '1.1.1.1', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '169.253.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2001:4860::8888'];

describe('isPrivateAddress', () => {
  for (const [kind, addresses] of Object.entries(PRIVATE)) {
    it(`refuses ${kind} addresses`, () => {
      for (const address of addresses) expect(isPrivateAddress(address), address).toBe(true);
    });
  }

  it('accepts public addresses, including their IPv4-mapped and NAT64 forms', () => {
    for (const address of PUBLIC) expect(isPrivateAddress(address), address).toBe(false);
  });

  it('fails closed on anything that is not an IP', () => {
    expect(isPrivateAddress('example.com')).toBe(true);
    expect(isPrivateAddress('')).toBe(true);
  });

  it('judges an IPv4 address and its IPv4-mapped IPv6 form alike', () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        expect(isPrivateAddress(`::ffff:${v4}`)).toBe(isPrivateAddress(v4));
      }),
    );
  });

  it('refuses every address of 10/8, 172.16/12, 192.168/16 and 127/8', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(octet, octet, octet, fc.integer({ min: 16, max: 31 }), (a, b, c, second) => {
        expect(isPrivateAddress(`10.${a}.${b}.${c}`)).toBe(true);
        expect(isPrivateAddress(`172.${second}.${b}.${c}`)).toBe(true);
        expect(isPrivateAddress(`192.168.${b}.${c}`)).toBe(true);
        expect(isPrivateAddress(`127.${a}.${b}.${c}`)).toBe(true);
      }),
    );
  });
});

describe('ipLiteralOf', () => {
  it('returns the bare IP of a URL host and nothing for a name', () => {
    expect(ipLiteralOf(new URL('http://[::ffff:127.0.0.1]/').hostname)).toBe('::ffff:7f00:1');
    expect(ipLiteralOf(new URL('http://0x7f.1/').hostname)).toBe('127.0.0.1');
    expect(ipLiteralOf('hooks.example.com')).toBeUndefined();
  });
});

describe('guardedLookup', () => {
  const answers = (...addresses: string[]): LookupAddress[] =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  function lookup(resolved: LookupAddress[], options: { all?: boolean; family?: number }, allowPrivate = false) {
    const guarded = guardedLookup(async () => resolved, allowPrivate);
    return new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }>((done) => {
      guarded('hook.example.test', options, (error, address, family) => done({ error, address, family }));
    });
  }

  it('passes public answers through, in both callback forms', async () => {
    expect(await lookup(answers('93.184.216.34', '2606:2800::1'), { all: true })).toEqual({
      error: null,
      address: answers('93.184.216.34', '2606:2800::1'),
      family: undefined,
    });
    expect(await lookup(answers('93.184.216.34'), {})).toEqual({ error: null, address: '93.184.216.34', family: 4 });
  });

  it('drops private answers and refuses a name with only private ones', async () => {
    expect((await lookup(answers('10.0.0.1', '93.184.216.34'), { all: true })).address).toEqual(answers('93.184.216.34'));
    const { error } = await lookup(answers('127.0.0.1', '::1'), { all: true });
    expect(error).toBeInstanceOf(PrivateAddressError);
    expect((error as PrivateAddressError).addresses).toEqual(['127.0.0.1', '::1']);
  });

  it('respects the requested family', async () => {
    expect(await lookup(answers('93.184.216.34', '2606:2800::1'), { family: 6 })).toMatchObject({ address: '2606:2800::1', family: 6 });
    const { error } = await lookup(answers('93.184.216.34'), { family: 6 });
    expect(error?.code).toBe('ENOTFOUND');
  });

  it('lets private answers through when allowed', async () => {
    expect(await lookup(answers('127.0.0.1'), {}, true)).toEqual({ error: null, address: '127.0.0.1', family: 4 });
  });

  it('passes resolver failures on', async () => {
    const failing = guardedLookup(() => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' })), false);
    const error = await new Promise<NodeJS.ErrnoException | null>((done) => failing('x.test', {}, (e) => done(e)));
    expect(error?.code).toBe('ENOTFOUND');
  });
});
