// Which source address a k6 VU dials from. k6's --local-ips (or K6_LOCAL_IPS; a script cannot set
// it) hands VU n the address at index (n - 1) modulo the pool's size (internal/js/runner.go,
// lib/types/ipblock.go in k6 v2.2.0), so a scenario can give roles by address: the attacker's
// few, the users' many. Pure: unit-tested in Node.

const OCTET = '(25[0-5]|2[0-4]\\d|1?\\d?\\d)';
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

function ipv4(text: string): number | undefined {
  const m = IPV4.exec(text.trim());
  if (!m) return undefined;
  return m.slice(1, 5).reduce((n, octet) => n * 256 + Number(octet), 0);
}

/**
 * How many addresses k6's `--local-ips` value names (IPv4: single addresses, `a-b` ranges and
 * `a/n` blocks, comma-separated), or an error saying what part was not understood.
 */
export function poolSize(localIps: string): { size: number } | { error: string } {
  let size = 0;
  for (const part of localIps.split(',').map((p) => p.trim())) {
    const [from, to] = part.split('-');
    const [base, bits] = part.split('/');
    if (to !== undefined) {
      const a = ipv4(from!),
        b = ipv4(to);
      if (a === undefined || b === undefined || b < a) return { error: `${part}: expected a range of IPv4 addresses, low-high` };
      size += b - a + 1;
    } else if (bits !== undefined) {
      const n = Number(bits);
      if (ipv4(base!) === undefined || !/^\d+$/.test(bits) || n > 32) return { error: `${part}: expected an IPv4 block, a.b.c.d/n` };
      const block = 2 ** (32 - n);
      // As k6 counts a block: past two addresses, the first and last (network, broadcast) are left out.
      size += block > 2 ? block - 2 : block;
    } else if (ipv4(part) !== undefined) {
      size += 1;
    } else {
      return { error: `${part}: expected an IPv4 address, range (a-b) or block (a/n)` };
    }
  }
  return { size };
}

/** The index in the pool of the address VU `idInInstance` (from 1) dials from, as k6 assigns it. */
export function addressIndex(idInInstance: number, pool: number): number {
  return (Math.max(1, idInInstance) - 1) % pool;
}

/** What a VU does in a scenario that gives roles by address: the harness's, the attacker's, a user's. */
export type AddressRole = 'harness' | 'attack' | 'legit';

/**
 * The role of VU `idInInstance`: the pool's first address is the harness's (k6 gives setup() that
 * address, so its requests and the probe's come from there and never from a load role's), the
 * next `attackAddresses` the attacker's, the rest the users'.
 */
export function roleOf(idInInstance: number, pool: number, attackAddresses: number): AddressRole {
  const index = addressIndex(idInInstance, pool);
  return index === 0 ? 'harness' : index <= attackAddresses ? 'attack' : 'legit';
}

/** The first address of a --local-ips pool (the one k6 gives setup()), as far as it can be read. */
export function firstAddress(localIps: string): string | undefined {
  const first = localIps.split(',')[0]!.trim();
  const [from] = first.split('-');
  const [base, bits] = first.split('/');
  if (bits === undefined) return ipv4(from!) === undefined ? undefined : from!.trim();
  const n = ipv4(base!);
  if (n === undefined) return undefined;
  // As k6 counts a block: past two addresses, the network address is left out.
  const start = Number(bits) < 31 ? n + 1 : n;
  return [24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256).join('.');
}
