// Name lookup for Node's net/dgram: IP literals answered in place (so bind is synchronous), names looked up for real.
import { createRequire } from "node:module";
import { isIP } from "node:net";

type LookupCallback = (err: Error | null, address: string, family: number) => void;

/** node:dns as a mutable object: net's listen() looks hosts up through its `lookup` property. */
export const dns_module = createRequire(import.meta.url)("node:dns") as {
  lookup: (host: string, opts: unknown, cb: LookupCallback) => unknown;
};

// Captured before anyone patches dns_module.lookup, so a real lookup never recurses into the patch.
const real_lookup = dns_module.lookup;

/**
 * A dns.lookup stand-in: an IP literal comes back at once, in the caller's stack, so that the
 * bind behind it happens synchronously (PORTING.md, "bind() is synchronous"); a host name goes
 * to the real lookup and its answer (or failure) comes later.
 */
export function literal_lookup(host: string, opts: unknown, cb?: unknown): object {
  const done = (typeof opts === "function" ? opts : cb) as LookupCallback;
  const kind = isIP(host);
  if (kind !== 0) done(null, host, kind);
  else real_lookup(host, typeof opts === "function" ? {} : opts, done);
  return {};
}
