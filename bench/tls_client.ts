// The TLS bench client's connection and bulk transfer, shared by bench/tls.ts and bench/tls_callgrind.ts.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, type TLSSocket } from "node:tls";
import { drain } from "./client.js";

const here = dirname(fileURLToPath(import.meta.url));
const ca = readFileSync(join(here, "..", "..", "test", "fixtures", "certs", "ca.pem"));

/** A TLS connection to a bench server on loopback, verified against the test CA, once secure. */
export function tls_open(port: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: "127.0.0.1", port, servername: "localhost", ca }, () => resolve(c));
    c.setNoDelay(true);
    c.on("error", reject);
  });
}

/** Sends `mib` MiB in 64 KiB writes and reads the echo back, as fast as it comes. */
export async function tls_bulk(c: TLSSocket, mib: number): Promise<void> {
  const total = mib * 1024 * 1024;
  const chunk = Buffer.alloc(65536, 0x62);
  const done = drain(c, total);
  for (let sent = 0; sent < total; sent += chunk.length) {
    if (!c.write(chunk)) await new Promise((r) => c.once("drain", r));
  }
  await done;
}
