// Keeps webhook requests away from the host's own network (SSRF protection). A target URL is
// chosen by whoever submits a message, so without this guard anyone able to send a webhook could
// make Missive call its loopback, cloud metadata (169.254.169.254) or private services.
// Literal IPs are checked before a request; host names are checked at connect time, inside the
// socket's own DNS lookup, so the address checked is the address connected to and a DNS answer
// that changes between a check and the connection (DNS rebinding) cannot slip through.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { MissiveError } from '../../core/errors.js';

/** Resolves a host name to its addresses; injected so tests can play DNS. */
export type HostResolver = (hostname: string) => Promise<LookupAddress[]>;

/** The operating system's resolver (`getaddrinfo`, so /etc/hosts and `localhost` count). */
export const systemResolver: HostResolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

/** A webhook target resolved only to addresses that are not publicly routable. */
export class PrivateAddressError extends MissiveError {
  readonly code = 'private_address';
  constructor(
    readonly host: string,
    readonly addresses: readonly string[],
  ) {
    super(`${host} resolves only to non-public addresses (${addresses.join(', ')})`);
    this.name = 'PrivateAddressError';
  }
}

/** IPv4 ranges that are not globally reachable (IANA special-purpose registry). */
const IPV4_BLOCKED: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network", including the unspecified 0.0.0.0
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, including cloud metadata endpoints
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, including broadcast
];

/** IPv6 ranges that are not globally reachable. IPv4-mapped and NAT64 forms are checked by their IPv4 part. */
const IPV6_BLOCKED: readonly [string, number][] = [
  ['::', 96], // unspecified (::), loopback (::1) and the deprecated IPv4-compatible ::a.b.c.d
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
];

const blocked = new BlockList();
for (const [network, prefix] of IPV4_BLOCKED) blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of IPV6_BLOCKED) blocked.addSubnet(network, prefix, 'ipv6');

/**
 * True when `address` is not a publicly routable IP: loopback, private, link-local, unspecified,
 * CGNAT, multicast, reserved, or an IPv4-mapped / NAT64 IPv6 form of one. Anything that is not an
 * IP address at all also counts as private, so the guard fails closed.
 */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family !== 6) return true;
  const groups = ipv6Groups(bare);
  const embedsIpv4 =
    (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) || // ::ffff:a.b.c.d (IPv4-mapped)
    (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)); // 64:ff9b::a.b.c.d (NAT64)
  if (embedsIpv4) return blocked.check(ipv4Of(groups[6] ?? 0, groups[7] ?? 0), 'ipv4');
  return blocked.check(bare, 'ipv6');
}

/**
 * The IP literal of a URL host (brackets removed), or undefined for a host name. WHATWG URL
 * parsing has already normalized forms like `0x7f.1` or `2130706433` to `127.0.0.1`.
 */
export function ipLiteralOf(hostname: string): string | undefined {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return isIP(bare) === 0 ? undefined : bare;
}

/**
 * A `lookup` for sockets (undici `Agent({ connect: { lookup } })`) that resolves with `resolve`
 * and hands the socket only public addresses; when none is left it fails with
 * PrivateAddressError. With `allowPrivate` it only resolves.
 */
export function guardedLookup(resolve: HostResolver, allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
    resolve(hostname).then(
      (answers) => {
        const ofFamily = answers.filter((answer) => family === 0 || answer.family === family);
        const usable = allowPrivate ? ofFamily : ofFamily.filter((answer) => !isPrivateAddress(answer.address));
        const first = usable[0];
        if (first === undefined) {
          const error =
            ofFamily.length > 0
              ? new PrivateAddressError(hostname, ofFamily.map((answer) => answer.address))
              : Object.assign(new Error(`no IPv${family || '4/6'} address for ${hostname}`), { code: 'ENOTFOUND' });
          callback(error, []);
          return;
        }
        if (options.all) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), []),
    );
  };
}

/** The eight 16-bit groups of a valid IPv6 address (with `::` expanded and a dotted tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function ipv4Of(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}
