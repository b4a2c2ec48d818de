// `node dist/bench/pass.js N ITERS select|poll [--heap-sample] [--grow] [--warm W]`: the loop's pass over N idle channels plus one always-ready, in-process.
//
// Each iteration of loop() calls readable()/writable() on every channel (asyncore's pass over the
// map), then waits, then dispatches. One channel is always ready, so the wait never sleeps and an
// iteration's cost is the pass plus a fixed part. Prints ns per channel per iteration (wall and
// CPU), the bytes V8 allocated per iteration, and with --heap-sample where the measured part allocates.
//
// The descriptors are fakes (a Pollable that is never ready, or always writable), so the setup is
// the same in every run and callgrind's counts repeat: instructions per visit =
// (Ir(ITERS=b) - Ir(ITERS=a)) / ((b - a) * (N + 2)) with `--single-threaded`, e.g.
//   valgrind --tool=callgrind node --single-threaded dist/bench/pass.js 2000 2000 select --quiet
import { PerformanceObserver } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import * as asyncore from "../src/asyncore/index.js";
import * as socket from "../src/socket/index.js";

const [n_arg, iters_arg, mode = "select"] = process.argv.slice(2);
const N = Number(n_arg ?? 2000);
const ITERS = Number(iters_arg ?? 2000);
const use_poll = mode === "poll";
const WARM = Number(process.argv[process.argv.indexOf("--warm") + 1] || 500);

/** A descriptor that is never ready (or always writable). */
class Fake extends socket.Pollable {
  readonly fd: number;
  constructor(private readonly flags: number) {
    super();
    this.fd = socket.allocate_fd(this);
  }
  fileno(): number {
    return this.fd;
  }
  poll_flags(): number {
    return this.flags;
  }
  setblocking(): void {}
  getpeername(): [string, number] {
    return ["127.0.0.1", 1];
  }
  send(): number {
    return 0;
  }
  recv(): Buffer {
    return Buffer.alloc(0);
  }
  close(): void {
    socket.release_fd(this.fd);
  }
  getsockopt(): number {
    return 0;
  }
}

/** The bench server's channels: an echo channel, and the listener. */
class Echo extends asyncore.dispatcher_with_send {
  override handle_read(): void {
    const d = this.recv(8192);
    if (d.length) this.send(d);
  }
}

class Listener extends asyncore.dispatcher {
  override handle_accepted(): void {}
}

const map: asyncore.SocketMap = new Map();

/**
 * The map of a server with N idle connections: the listener (never ready), N idle echo
 * channels, and one echo channel that is always writable (its output never leaves: the fake
 * socket takes nothing), so that every iteration finds one channel ready and does not sleep.
 */
function setup(): void {
  const lst = new Listener(new Fake(0) as unknown as socket.socket, map);
  lst.connected = false;
  lst.accepting = true;
  if (GROW) {
    new Echo(new Ready(socket.POLLOUT) as unknown as socket.socket, map).send(Buffer.from("x"));
    return;
  }
  for (let i = 0; i < N; i++) new Echo(new Fake(0) as unknown as socket.socket, map);
  new Echo(new Ready(socket.POLLOUT) as unknown as socket.socket, map).send(Buffer.from("x"));
}

/**
 * --grow: the idle channels are added one per iteration, as a server accepts them, before the
 * warm-up: the pass is then compiled while the map is small, as in a server, rather than first
 * replaced on the stack in the middle of a long walk (which V8 compiles without inlining the
 * map's iterators, and keeps using).
 */
const GROW = process.argv.includes("--grow");

async function start_sampling(): Promise<() => Promise<void>> {
  const { Session } = await import("node:inspector");
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<any> =>
    new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  await post("HeapProfiler.enable");
  await post("HeapProfiler.startSampling", {
    samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
  });
  return async () => {
    const { profile } = await post("HeapProfiler.stopSampling");
    const sites = new Map<string, number>();
    let total = 0;
    const walk = (n: any, stack: string[]): void => {
      const f = n.callFrame;
      const here = `${f.functionName || "(anon)"} ${String(f.url).split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
      const st = [...stack, here];
      if (n.selfSize > 0) {
        const k = st.slice(-3).join(" < ");
        sites.set(k, (sites.get(k) ?? 0) + n.selfSize);
        total += n.selfSize;
      }
      for (const c of n.children) walk(c, st);
    };
    walk(profile.head, []);
    console.log(`sampled ${(total / ITERS).toFixed(0)} B per iteration`);
    for (const [k, v] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${(v / ITERS).toFixed(0).padStart(7)} B  ${k}`);
  };
}

/**
 * The ready descriptor: collect() asks it once per iteration (the idle ones stop being asked once
 * found not ready), so it marks the phases of the run, all inside one loop() call: a new loop()
 * call per phase would start each measured part in code that is not the steady state's (the first
 * pass of a run deoptimized, then ran in on-stack-replaced code).
 */
class Ready extends Fake {
  looks = 0;
  added = 0;
  override poll_flags(): number {
    if (this.added < N && GROW) {
      this.added++;
      new Echo(new Fake(0) as unknown as socket.socket, map);
      return super.poll_flags();
    }
    this.looks++;
    if (this.looks === WARM) on_warm();
    else if (this.looks === WARM + 50) on_counted();
    else if (this.looks === WARM + 50 + ITERS) on_measured();
    return super.poll_flags();
  }
}

setup();
const quiet = process.argv.includes("--quiet");
let gcs = 0;
const obs = new PerformanceObserver((l) => (gcs += l.getEntries().length));
let heap0 = 0;
let alloc = NaN;
let c0 = process.cpuUsage();
let t0 = 0;
let t1 = 0;
let c = c0;
// Bytes allocated per iteration: the heap's growth over 50 iterations with no GC among them.
function on_warm(): void {
  obs.observe({ entryTypes: ["gc"] });
  heap0 = getHeapStatistics().used_heap_size;
}
let sampling: Promise<() => Promise<void>> | null = null;
function on_counted(): void {
  const heap1 = getHeapStatistics().used_heap_size;
  obs.disconnect();
  alloc = gcs === 0 ? (heap1 - heap0) / 50 : NaN;
  // --heap-sample: where the measured iterations allocate (V8's sampling heap profiler, counting
  // objects that were collected since).
  if (process.argv.includes("--heap-sample")) sampling = start_sampling();
  c0 = process.cpuUsage();
  t0 = performance.now();
}
function on_measured(): void {
  t1 = performance.now();
  c = process.cpuUsage(c0);
}
// One look per iteration, and the one that ends the measured part is in the last iteration.
await asyncore.loop(30, use_poll, map, WARM + 50 + ITERS + (GROW ? N : 0));
const visits = ITERS * map.size;
const sampled = sampling as Promise<() => Promise<void>> | null;
if (sampled !== null) await (await sampled)();
if (!quiet) {
  console.log(
    `${mode} N=${N} iters=${ITERS}: ` +
      `${(((t1 - t0) * 1e6) / visits).toFixed(1)} ns wall, ${(((c.user + c.system) * 1e3) / visits).toFixed(1)} ns CPU per visit; ` +
      `${((t1 - t0) * 1000 / ITERS).toFixed(1)} µs per iteration` +
      (Number.isFinite(alloc) ? `; ${alloc.toFixed(0)} B allocated per iteration` : "; a GC ran while counting allocations"),
  );
}
asyncore.close_all(map);
