// A stress program for a low `ulimit -n`: clients exhaust the descriptors, the server survives EMFILE, serves again once they are freed, and leaks nothing.
//
//   sh -c 'ulimit -n 64; node --expose-gc dist/test/stress/emfile.js [clients=200] [rounds=3]'
//
// Each round opens `clients` connections at once in this process (each takes a descriptor here,
// each accepted one another), so connects and accepts fail with EMFILE; then all are closed and
// 20 echo round trips must succeed. A first round warms up and is reported with the others.
// Prints one JSON line.
import * as net from "node:net";
import * as asyncore from "../../src/asyncore/index.js";
import { EchoServer, counts } from "./echo_server.js";
import { sample } from "./probe.js";

const clients = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 3);

/** Connect, say "ping", expect it back; resolves false on any failure (EMFILE included). */
function echo(port: number, hold: net.Socket[] | null): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, "127.0.0.1");
    let got = "";
    let settled = false;
    const done = (ok: boolean): void => {
      if (!settled) {
        settled = true;
        resolve(ok);
      }
    };
    const timer = setTimeout(() => done(false), 3000);
    c.on("error", () => {
      clearTimeout(timer);
      done(false);
    });
    c.on("connect", () => c.write("ping"));
    c.on("data", (d) => {
      got += d.toString();
      if (got === "ping") {
        clearTimeout(timer);
        if (hold) hold.push(c);
        else c.end();
        done(true);
      }
    });
    c.on("close", () => {
      clearTimeout(timer);
      done(false);
    });
  });
}

const server = new EchoServer();
const looping = asyncore.loop(0.5, true);
const result = { clients, rounds, storms: [] as { ok: number; failed: number }[], after: [] as number[] };
let start = await sample();
// Round 0 warms up (compiled code, Node's error paths), so the start sample after it is a fair baseline.
for (let r = 0; r <= rounds; r++) {
  if (r === 1) start = await sample();
  const held: net.Socket[] = [];
  const oks = await Promise.all(Array.from({ length: clients }, () => echo(server.port, held)));
  const ok = oks.filter(Boolean).length;
  result.storms.push({ ok, failed: clients - ok });
  for (const c of held) c.destroy();
  // Wait until the server has closed every channel of the storm (bounded).
  const until = Date.now() + 5000;
  while (asyncore.socket_map.size > 1 && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
  let served = 0;
  for (let i = 0; i < 20; i++) if (await echo(server.port, null)) served++;
  result.after.push(served);
}
const until = Date.now() + 5000;
while (asyncore.socket_map.size > 1 && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
const end = await sample();
const listening = asyncore.socket_map.has(server._fileno as number);
server.close();
await looping;
console.log(JSON.stringify({ ...result, listening, server: counts, start, end }));
