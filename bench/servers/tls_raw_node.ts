// TLS bench baseline: a node:tls echo server (the certificate of test/fixtures/certs).
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "node:tls";

const certs = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "fixtures", "certs");
const server = createServer({ cert: readFileSync(join(certs, "server.pem")), key: readFileSync(join(certs, "server.key")) }, (c) => {
  c.on("error", () => undefined);
  c.on("data", (d: Buffer) => c.write(d));
  c.on("end", () => c.end());
});
server.on("tlsClientError", () => undefined);
server.listen(0, "127.0.0.1", 1024, () => {
  const a = server.address();
  console.log(typeof a === "object" && a ? a.port : 0);
});
// A profiler (--cpu-prof) writes its profile on a normal exit: Ctrl-C exits normally.
process.on("SIGINT", () => process.exit(0));
