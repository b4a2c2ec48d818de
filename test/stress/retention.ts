// A stress program: many short connections to an asyncore echo server, then the heap after GC must come back near the start.
//
//   node --expose-gc dist/test/stress/retention.js [connections=2000] [concurrency=50]
//
// Prints one JSON line: the samples at start, after the connections (peak) and a moment later (end).
import * as net from "node:net";
import * as asyncore from "../../src/asyncore/index.js";
import { EchoServer, counts } from "./echo_server.js";
import { sample } from "./probe.js";

const total = Number(process.argv[2] ?? 2000);
const concurrency = Number(process.argv[3] ?? 50);
const MSG = Buffer.alloc(100, 0x61);

function one(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, "127.0.0.1");
    let got = 0;
    c.on("error", reject);
    c.on("connect", () => c.write(MSG));
    c.on("data", (d) => {
      got += d.length;
      if (got === MSG.length) c.end();
    });
    c.on("close", () => (got === MSG.length ? resolve() : reject(new Error(`echo short: ${got}`))));
  });
}

const server = new EchoServer();
const looping = asyncore.loop(0.5, true);
// Warm up (JIT, lazily built tables) so that the start sample is a fair baseline.
for (let i = 0; i < 200; i++) await one(server.port);
const start = await sample();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < total) {
      next++;
      await one(server.port);
    }
  }),
);
while (counts.closed < total + 200) await new Promise((r) => setTimeout(r, 10));
const peak = await sample();
// Closed connections must be released at once, not after Linux's FIN_WAIT2 time (60 s).
await new Promise((r) => setTimeout(r, 500));
const end = await sample();
server.close();
await looping;
console.log(JSON.stringify({ connections: total, counts, start, peak, end }));
