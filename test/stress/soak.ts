// A stress program: N clients for T seconds against an asyncore echo server, random sizes and endings, every byte checked.
//
//   node --expose-gc dist/test/stress/soak.js [--clients 500] [--seconds 60] [--max-size 262144] [--endings mixed|reset] [--seed 1]
//
// Each client connects again and again until the time is up. A connection sends a random number
// of random bytes and ends in one of three ways: FIN after the whole echo came back (every byte
// compared), reset while sending, or reset while receiving ("--endings reset": always a reset, a
// reset storm). After a warm-up of the same load (a tenth of the time), and at the middle and
// the end, each time once the server has closed every channel, the process's heap after GC, its
// real and emulated descriptors and the map size are sampled. Prints one JSON line (the counts
// include the warm-up).
import * as net from "node:net";
import * as asyncore from "../../src/asyncore/index.js";
import { EchoServer, counts } from "./echo_server.js";
import { sample } from "./probe.js";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : dflt;
}

const clients = Number(arg("clients", "500"));
const seconds = Number(arg("seconds", "60"));
const max_size = Number(arg("max-size", "262144"));
const endings = arg("endings", "mixed");
let seed = Number(arg("seed", "1"));

/** A small deterministic PRNG (mulberry32), so that a failing run can be repeated with its seed. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** n bytes that differ from connection to connection, so a byte from elsewhere is a mismatch. */
function payload(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = Math.floor(random() * 2 ** 31) | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const stats = { connections: 0, fin: 0, resets: 0, bytes_checked: 0, mismatches: 0, client_errors: 0 };

type Ending = "fin" | "reset_sending" | "reset_receiving";

function pick_ending(): Ending {
  const r = random();
  if (endings === "reset") return r < 0.5 ? "reset_sending" : "reset_receiving";
  return r < 0.6 ? "fin" : r < 0.8 ? "reset_sending" : "reset_receiving";
}

function one(port: number): Promise<void> {
  const size = 1 + Math.floor(random() ** 3 * max_size);
  const data = payload(size);
  const ending = pick_ending();
  const cut = Math.floor(random() * size);
  stats.connections++;
  return new Promise((resolve) => {
    const c = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    let got = 0;
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    c.on("error", () => {
      // Only a connection that was meant to end with a FIN may not fail.
      if (ending === "fin") stats.client_errors++;
      finish();
    });
    c.on("close", finish);
    c.on("connect", () => {
      if (ending === "reset_sending") {
        c.write(data.subarray(0, cut), () => {
          stats.resets++;
          c.resetAndDestroy();
        });
        return;
      }
      c.write(data);
    });
    c.on("data", (d: Buffer) => {
      if (done) return;
      if (!d.equals(data.subarray(got, got + d.length))) stats.mismatches++;
      got += d.length;
      stats.bytes_checked += d.length;
      if (ending === "reset_receiving" && got >= cut) {
        stats.resets++;
        c.resetAndDestroy();
        finish();
      } else if (got === size) {
        stats.fin++;
        c.end();
      } else if (got > size) stats.mismatches++;
    });
  });
}

const server = new EchoServer();
const looping = asyncore.loop(0.5, true);
/** All clients, connecting again and again for `s` seconds; then wait (bounded) until the server has closed every channel. */
async function run_for(s: number): Promise<void> {
  const t_end = Date.now() + s * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < t_end) await one(server.port);
    }),
  );
  const give_up = Date.now() + 10_000;
  while (asyncore.socket_map.size > 1 && Date.now() < give_up) await new Promise((r) => setTimeout(r, 20));
}

// Warm up with the same load for a tenth of the time (at least 0.5 s), so that compiled code and
// tables grown to the load's size are in the start sample: what grows after that is retained.
await run_for(Math.max(0.5, seconds / 10));
const warmup = { ...stats };
const start = await sample();
await run_for(seconds / 2);
const middle = await sample();
await run_for(seconds / 2);
const end = await sample();
server.close();
await looping;
console.log(JSON.stringify({ clients, seconds, endings, ...stats, warmup_connections: warmup.connections, server: counts, start, middle, end }));
