// The lookup function given to node:dgram: IP literals answered in place (so a UDP bind is synchronous), names looked up for real.
import { lookup as dns_lookup } from "node:dns";
import { isIP } from "node:net";

type LookupCallback = (err: Error | null, address: string, family: number) => void;

/**
 * dgram.createSocket's documented `lookup` option: an IP literal comes back at once, in the
 * caller's stack, so the bind behind it happens synchronously (PORTING.md, "bind() is
 * synchronous"; test/socket/node_assumptions.test.ts holds Node to it); a host name goes to
 * dns.lookup and its answer (or failure) comes later.
 */
export function literal_lookup(host: string, opts: unknown, cb?: unknown): void {
  const done = (typeof opts === "function" ? opts : cb) as LookupCallback;
  const kind = isIP(host);
  if (kind !== 0) done(null, host, kind);
  else dns_lookup(host, (typeof opts === "function" ? {} : opts) as object, done as never);
}
