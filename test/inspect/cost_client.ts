// The client behind the inspector's cost figures: CONNS connections doing ROUNDS round trips of 32 bytes each, one in flight; not a test.
//
// node dist/test/inspect/cost_client.js ROUNDS CONNS -- SERVER COMMAND...: starts the server
// (cost_server.js, possibly under valgrind), reads its ports, opens /events first when the
// inspector is watched, runs the round trips, and waits for the server to exit.
import { spawn } from "node:child_process";
import * as net from "node:net";

const [rounds_s = "100", conns_s = "50", _sep, ...cmd] = process.argv.slice(2);
const rounds = Number(rounds_s);
const conns = Number(conns_s);
const server = spawn(cmd[0] as string, cmd.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
const first = await new Promise<string>((resolve) => {
  let out = "";
  server.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    if (out.includes("\n")) resolve(out);
  });
});
const [echo_port, insp_port] = first.trim().split(" ").map(Number) as [number, number];
if (cmd.includes("watched")) {
  const page = net.connect(insp_port, "127.0.0.1");
  page.on("error", () => undefined);
  page.on("data", () => undefined);
  page.write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
}
const LINE = Buffer.alloc(32, 0x61);
const t0 = performance.now();
await Promise.all(
  Array.from({ length: conns }, () => new Promise<void>((resolve, reject) => {
    const c = net.connect(echo_port, "127.0.0.1");
    let left = rounds;
    let got = 0;
    c.on("error", reject);
    c.on("connect", () => c.write(LINE));
    c.on("data", (d: Buffer) => {
      got += d.length;
      while (got >= 32) {
        got -= 32;
        left--;
        if (left > 0) c.write(LINE);
        else {
          c.destroy();
          resolve();
        }
      }
    });
  })),
);
const t1 = performance.now();
const code = await new Promise<number | null>((resolve) => server.on("exit", resolve));
console.log(`round trips ${(t1 - t0).toFixed(0)} ms wall; server exited ${code} after ${(performance.now() - t1).toFixed(0)} ms more`);
process.exit(0);
