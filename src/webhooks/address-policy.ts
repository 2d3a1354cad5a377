// S6.3, S5.2: where a webhook may be sent. The server makes the request, so without a policy an
// admin could point a webhook at the server's own network (127.0.0.1, 10.0.0.0/8, the cloud
// metadata service at 169.254.169.254) and read the delivery log as a port scanner. So a webhook
// URL is refused when its host is, or resolves to, an address that is not public unicast — checked
// when the webhook is created and again at every delivery, on the resolved address the connection
// then uses (no DNS-rebinding window). An operator allow-list (webhookAllowedHosts) admits chosen
// host names, addresses and CIDR ranges.
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** The ranges refused, by the word the refusal uses (IANA special-purpose registries, RFC 6890). */
const REFUSED: readonly (readonly [kind: string, cidr: string])[] = [
  ['unspecified', '0.0.0.0/8'],
  ['private', '10.0.0.0/8'],
  ['shared (CGNAT)', '100.64.0.0/10'],
  ['loopback', '127.0.0.0/8'],
  ['link-local (metadata)', '169.254.0.0/16'],
  ['private', '172.16.0.0/12'],
  ['reserved', '192.0.0.0/24'],
  ['documentation', '192.0.2.0/24'],
  ['private', '192.168.0.0/16'],
  ['benchmarking', '198.18.0.0/15'],
  ['documentation', '198.51.100.0/24'],
  ['documentation', '203.0.113.0/24'],
  ['multicast', '224.0.0.0/4'],
  ['reserved', '240.0.0.0/4'],
  ['unspecified', '::/128'],
  ['loopback', '::1/128'],
  // IPv4-mapped (::ffff:0:0/96) addresses are matched against the IPv4 ranges by BlockList.
  ['NAT64', '64:ff9b::/96'],
  ['NAT64', '64:ff9b:1::/48'],
  ['discard', '100::/64'],
  ['Teredo', '2001::/32'],
  ['documentation', '2001:db8::/32'],
  ['6to4', '2002::/16'],
  ['unique-local (private)', 'fc00::/7'],
  ['link-local', 'fe80::/10'],
  ['site-local', 'fec0::/10'],
  ['multicast', 'ff00::/8'],
];

/** Names that always mean this machine or a cloud's metadata service, whatever DNS says. */
const REFUSED_NAMES = ['localhost', 'metadata.google.internal', 'metadata.goog', 'metadata'];

const family = (ip: string): 'ipv4' | 'ipv6' => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [ip = '', bits] = cidr.split('/');
    if (bits === undefined) list.addAddress(ip, family(ip));
    else list.addSubnet(ip, Number(bits), family(ip));
  }
  return list;
}

const REFUSED_LISTS = REFUSED.map(([kind, cidr]) => ({ kind, list: blockList([cidr]) }));

/** A host as written in a URL or an allow-list, compared case-insensitively, without a final dot. */
function normalHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare.toLowerCase().replace(/\.$/, '');
}

/** An allow-list entry: a host name, an IPv4/IPv6 address, or a CIDR range; else why not. */
export function allowEntryProblem(entry: string): string | undefined {
  const [ip = '', bits, extra] = normalHost(entry.trim()).split('/');
  if (extra !== undefined) return `"${entry}" has more than one "/"`;
  if (bits !== undefined) {
    const max = isIP(ip) === 4 ? 32 : isIP(ip) === 6 ? 128 : 0;
    if (max === 0 || !/^[0-9]{1,3}$/.test(bits) || Number(bits) > max)
      return `"${entry}" is not a CIDR range (address/bits)`;
    return undefined;
  }
  if (isIP(ip) !== 0) return undefined;
  return /^[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*$/.test(ip)
    ? undefined
    : `"${entry}" is not a host name, an address or a CIDR range`;
}

export class WebhookAddressError extends Error {
  readonly code = 'SWB_ERR_WEBHOOK_URL_FORBIDDEN';
}

/** Every address of a name (node's dns.lookup with `all`; tests put their own DNS here). */
export type Resolve = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export class AddressPolicy {
  private readonly names: ReadonlySet<string>;
  private readonly ranges: BlockList;

  /** `allowed`: host names, addresses and CIDR ranges the operator admits (checked by allowEntryProblem). */
  constructor(
    readonly allowed: readonly string[] = [],
    private readonly resolve: Resolve = dnsLookup,
  ) {
    for (const entry of allowed) {
      const problem = allowEntryProblem(entry);
      if (problem !== undefined) throw new Error(`webhookAllowedHosts: ${problem}`);
    }
    const hosts = allowed.map((e) => normalHost(e.trim()));
    this.names = new Set(hosts.filter((h) => isIP(h.split('/')[0]!) === 0));
    this.ranges = blockList(hosts.filter((h) => isIP(h.split('/')[0]!) !== 0));
  }

  /** Why this address may not be reached (e.g. "loopback"), or undefined when it may. */
  addressProblem(ip: string): string | undefined {
    const bare = normalHost(ip);
    if (isIP(bare) === 0) return 'not an address';
    if (this.ranges.check(bare, family(bare))) return undefined;
    return REFUSED_LISTS.find((r) => r.list.check(bare, family(bare)))?.kind;
  }

  /**
   * Why a webhook URL is refused before any DNS look-up: its host is a refused name, or an
   * address literal in a refused range. The WHATWG parser has already turned 0x7f000001,
   * 2130706433, 0177.0.0.1 and 127.1 into 127.0.0.1, so every spelling of an address is caught.
   */
  urlProblem(raw: string): string | undefined {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'it is not a URL';
    }
    const host = normalHost(url.hostname);
    if (isIP(host) !== 0) {
      const kind = this.addressProblem(host);
      return kind === undefined ? undefined : `its address is ${kind}`;
    }
    if (this.names.has(host)) return undefined;
    if (REFUSED_NAMES.some((n) => host === n || host.endsWith(`.${n}`)))
      return `${host} names this machine or a metadata service`;
    return undefined;
  }

  /** True when the operator's allow-list names this host (a name, an address or a range holding it). */
  allowsHost(hostname: string): boolean {
    const host = normalHost(hostname);
    if (this.names.has(host)) return true;
    return isIP(host) !== 0 && this.ranges.check(host, family(host));
  }

  /** True when an allow-list host name admits this URL's host whatever it resolves to. */
  private namedAllowed(hostname: string): boolean {
    return this.names.has(normalHost(hostname));
  }

  /**
   * A `lookup` for node:net's connect: resolves the name, refuses the connection when any of its
   * addresses is refused, and hands the checked addresses to connect, so the socket goes to an
   * address that was checked (no second look-up an attacker's DNS could answer differently).
   */
  readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    this.resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : '', 0);
      if (!this.namedAllowed(hostname)) {
        for (const a of addresses) {
          const kind = this.addressProblem(a.address);
          if (kind !== undefined)
            return callback(
              new WebhookAddressError(`the host resolves to a ${kind} address`),
              options.all ? [] : '',
              0,
            );
        }
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (first === undefined)
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
