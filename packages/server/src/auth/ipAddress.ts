import { isIP } from 'node:net';

/**
 * The address of a client as Baton records it: a syntactically valid IPv4 or IPv6 address, with
 * IPv4-mapped IPv6 (`::ffff:192.0.2.1`) written as IPv4; anything else is `null`. A forwarded
 * header can carry any text, and an "IP" is shown in the sessions list and the audit log.
 */
export function normaliseIp(raw: string | undefined | null): string | null {
  if (!raw) return null;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(raw)?.[1];
  const address = mapped ?? raw;
  const version = isIP(address);
  if (version === 4) return address;
  if (version === 6) return address.toLowerCase();
  return null;
}

/**
 * The network a client's address stands for in rate limits: an IPv4 address itself, an IPv6
 * address's /64 (one subscriber's whole allocation: a client can pick any address in it, so
 * per-address limits would be per-attempt limits).
 */
export function networkOf(ip: string | null): string {
  if (ip === null) return 'unknown';
  if (isIP(ip) !== 6) return ip;
  return `${expandIpv6(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, `::` expanded and an embedded IPv4 tail converted. */
function expandIpv6(ip: string): string[] {
  let text = ip.toLowerCase().replace(/%.*$/, '');
  const ipv4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (ipv4) {
    const [a, b, c, d] = ipv4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, ipv4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => group.replace(/^0+(?=.)/, ''));
}
