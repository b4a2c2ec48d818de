// A stress program: an async_chat producer of many MiB to a peer that stalls, then reads: memory stays bounded, every byte arrives.
//
//   node --expose-gc dist/test/stress/slow_reader.js [mib=1024] [stall_ms=2000]
//
// The producer makes its chunks on demand, as a file or generator producer would; the peer reads
// nothing for stall_ms, then everything. The heap and RSS are sampled before, during the stall
// and at the end. Prints one JSON line.
import * as net from "node:net";
import * as asyncore from "../../src/asyncore/index.js";
import { async_chat } from "../../src/asynchat/index.js";
import { AF_INET, SOCK_STREAM, type socket } from "../../src/socket/index.js";
import { sample, settle } from "./probe.js";

const mib = Number(process.argv[2] ?? 1024);
const stall_ms = Number(process.argv[3] ?? 2000);
const CHUNK = 65536;
const total = mib * 2 ** 20;

/** Chunk i is filled with the byte i & 0xff, so the reader can check every byte cheaply. */
class Source {
  private i = 0;
  more(): Buffer {
    if (this.i * CHUNK >= total) return Buffer.alloc(0);
    return Buffer.alloc(CHUNK, this.i++ & 0xff);
  }
}

class Pusher extends async_chat {
  constructor(sock: socket) {
    super(sock);
    this.set_terminator(null);
    this.push_with_producer(new Source());
    this.close_when_done();
  }
  override collect_incoming_data(): void {}
  override found_terminator(): void {}
}

class Server extends asyncore.dispatcher {
  constructor() {
    super();
    this.create_socket(AF_INET, SOCK_STREAM);
    this.bind(["127.0.0.1", 0]);
    this.listen(5);
  }
  override handle_accepted(sock: socket): void {
    new Pusher(sock);
  }
}

const rss = (): number => +(process.memoryUsage().rss / 2 ** 20).toFixed(1);
const server = new Server();
const port = (server.socket as socket).getsockname()[1] as number;
const looping = asyncore.loop(0.5, true);
const start = await sample();
const rss_start = rss();
const c = net.connect(port, "127.0.0.1");
c.pause();
await new Promise((r) => c.once("connect", r));
await new Promise((r) => setTimeout(r, stall_ms));
await settle();
const stalled = { heap_mib: +(process.memoryUsage().heapUsed / 2 ** 20).toFixed(2), rss_mib: rss() };
let got = 0;
let mismatches = 0;
let peak_rss = stalled.rss_mib;
const t0 = Date.now();
await new Promise<void>((resolve) => {
  c.on("data", (d: Buffer) => {
    // Every byte of chunk i is i & 0xff: check the first and last byte of each piece against its offset.
    if (d[0] !== (Math.floor(got / CHUNK) & 0xff) || d[d.length - 1] !== (Math.floor((got + d.length - 1) / CHUNK) & 0xff)) mismatches++;
    got += d.length;
    if ((got & 0x3ffffff) < d.length) peak_rss = Math.max(peak_rss, rss());
  });
  c.on("close", () => resolve());
  c.resume();
});
const seconds = (Date.now() - t0) / 1000;
server.close();
await looping;
const end = await sample();
console.log(JSON.stringify({ mib, stall_ms, received: got, expected: total, mismatches, seconds, start, rss_start, stalled, peak_rss, end }));
