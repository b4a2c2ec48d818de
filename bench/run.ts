// `npm run bench`: server CPU per operation for asyncore-ts beside CPython's asyncore and raw Node.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import { reuseport_supported } from "../src/socket/sharing.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const TICK_US = 1e6 / 100; // /proc/<pid>/stat counts CPU in clock ticks (CLK_TCK = 100)

interface Server {
  readonly proc: ChildProcess;
  readonly port: number;
}

type Impl = "ours" | "cpython" | "node";
type Kind = "echo" | "chat_line" | "chat_bulk";

function start(impl: Impl, kind: Kind, mode: string): Promise<Server> {
  const cmd =
    impl === "cpython"
      ? ["python3", ["-W", "ignore", join(root, "bench", "servers", "py_server.py"), kind, mode]]
      : ["node", [join(here, "servers", impl === "ours" ? "ours.js" : "raw_node.js"), kind, mode]];
  const proc = spawn(cmd[0] as string, cmd[1] as string[], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    proc.on("error", reject);
    proc.stdout?.once("data", (d: Buffer) => resolve({ proc, port: Number(d.toString().trim()) }));
  });
}

function cpu_us(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

/** CPU time used by the whole machine so far (every core, every process), from /proc/stat. */
function machine_cpu_us(): number {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
  return (user + nice + system + irq + softirq + steal) * TICK_US;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const c = connect(port, "127.0.0.1", () => resolve(c));
    c.setNoDelay(true);
    c.on("error", reject);
  });
}

/** Read exactly n bytes' worth of echo, counting. */
function drain(c: Socket, n: number): Promise<void> {
  return new Promise((resolve) => {
    let got = 0;
    const on = (d: Buffer): void => {
      got += d.length;
      if (got >= n) {
        c.off("data", on);
        resolve();
      }
    };
    c.on("data", on);
  });
}

async function round_trips(c: Socket, n: number, size: number): Promise<number[]> {
  const msg = Buffer.alloc(size, 0x61);
  msg[size - 1] = 0x0a;
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const done = drain(c, size);
    c.write(msg);
    await done;
    lat.push(performance.now() - t0);
  }
  return lat;
}

async function measure(srv: Server, body: () => Promise<void>): Promise<number> {
  const before = cpu_us(srv.proc.pid as number);
  await body();
  return cpu_us(srv.proc.pid as number) - before;
}

interface Row {
  readonly case: string;
  readonly impl: string;
  readonly value: number;
  readonly unit: string;
  readonly extra?: string;
}

async function rr_case(impl: Impl, kind: Kind, mode: string, n: number): Promise<Row> {
  const srv = await start(impl, kind, mode);
  try {
    const c = await open(srv.port);
    await round_trips(c, 500, 64);
    const cpu = await measure(srv, async () => void (await round_trips(c, n, 64)));
    c.destroy();
    return { case: `round trip 64 B (${kind})`, impl: label(impl, mode), value: cpu / n, unit: "µs CPU/op" };
  } finally {
    srv.proc.kill();
  }
}

async function lines_case(impl: Impl, mode: string, n: number): Promise<Row> {
  const srv = await start(impl, "chat_line", mode);
  try {
    const c = await open(srv.port);
    const line = Buffer.from("x".repeat(31) + "\n");
    const block = Buffer.concat(Array.from({ length: 2048 }, () => line));
    const blocks = Math.ceil(n / 2048);
    const cpu = await measure(srv, async () => {
      const done = drain(c, blocks * block.length);
      for (let i = 0; i < blocks; i++) {
        if (!c.write(block)) await new Promise((r) => c.once("drain", r));
      }
      await done;
    });
    c.destroy();
    return { case: "pipelined 32 B lines", impl: label(impl, mode), value: cpu / (blocks * 2048), unit: "µs CPU/line" };
  } finally {
    srv.proc.kill();
  }
}

async function bulk_case(impl: Impl, kind: Kind, mode: string, mib: number): Promise<Row> {
  const srv = await start(impl, kind, mode);
  try {
    const c = await open(srv.port);
    const chunk = Buffer.alloc(65536, 0x62);
    const cpu = await measure(srv, async () => {
      const done = drain(c, mib * 16 * chunk.length);
      for (let i = 0; i < mib * 16; i++) {
        if (!c.write(chunk)) await new Promise((r) => c.once("drain", r));
      }
      await done;
    });
    c.destroy();
    return { case: `bulk echo (${kind})`, impl: label(impl, mode), value: cpu / 1000 / mib, unit: "ms CPU/MiB" };
  } finally {
    srv.proc.kill();
  }
}

function rss_kb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
}

async function idle_case(impl: Impl, mode: string, idle: number, n: number): Promise<Row> {
  const srv = await start(impl, "echo", mode);
  const conns: Socket[] = [];
  try {
    const t_open = performance.now();
    let opened = 0;
    let failed = 0;
    for (let i = 0; i < idle; i += 200) {
      const batch = await Promise.allSettled(Array.from({ length: Math.min(200, idle - i) }, () => open(srv.port)));
      for (const b of batch) {
        if (b.status === "fulfilled") {
          conns.push(b.value);
          opened++;
        } else failed++;
      }
    }
    // Opened: every idle connection connected, and the server has accepted them all (one round
    // trip on a connection made after them goes through the accept queue behind them).
    const c = await open(srv.port);
    await round_trips(c, 1, 64);
    const open_s = (performance.now() - t_open) / 1000;
    await round_trips(c, 200, 64);
    let lat: number[] = [];
    const cpu = await measure(srv, async () => void (lat = await round_trips(c, n, 64)));
    const rss = rss_kb(srv.proc.pid as number);
    lat.sort((a, b) => a - b);
    c.destroy();
    const p50 = lat[Math.floor(lat.length / 2)] ?? 0;
    const p99 = lat[Math.floor(lat.length * 0.99)] ?? 0;
    return {
      case: `round trip with ${idle} idle connections`, impl: label(impl, mode), value: cpu / n,
      unit: "µs CPU/op",
      extra:
        `latency p50 ${(p50 * 1000).toFixed(0)} µs, p99 ${(p99 * 1000).toFixed(0)} µs; opened ${opened}` +
        `${failed ? ` (${failed} failed)` : ""} in ${open_s.toFixed(2)} s; RSS ${(rss / 1024).toFixed(0)} MiB`,
    };
  } finally {
    for (const c of conns) c.destroy();
    srv.proc.kill();
  }
}

/** A port free on every address now (the workers need a fixed one: see run_workers). */
function free_port(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen({ port: 0, exclusive: true }, () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

interface Workers {
  readonly proc: ChildProcess;
  /** The processes serving: the workers, and the primary when there is one. */
  readonly pids: number[];
  readonly exited: Promise<void>;
}

/** ours.js echo, poll loop, under run_workers(n) on `port`; resolves once every worker has said it is bound. */
function start_workers(n: number, port: number, sharing: string): Promise<Workers> {
  const args = [join(here, "servers", "ours.js"), "echo", "poll", "--workers", String(n), "--port", String(port)];
  if (sharing !== "-") args.push("--sharing", sharing);
  const proc = spawn("node", args, { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  return new Promise((resolve, reject) => {
    let out = "";
    proc.on("error", reject);
    void exited.then(() => reject(new Error(`workers server exited early: ${out}`)));
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const workers = [...out.matchAll(/^worker (\d+)$/gm)].map((m) => Number(m[1]));
      if (workers.length < n) return;
      const pids = n > 1 ? [proc.pid as number, ...workers] : workers;
      resolve({ proc, pids, exited });
    });
  });
}

/** Connect, trying again while refused: under cluster sharing the primary binds after the workers' bind() returned. */
async function open_when_bound(port: number): Promise<Socket> {
  for (let tries = 0; ; tries++) {
    try {
      return await open(port);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ECONNREFUSED" || tries > 200) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** Every connection does 64-byte round trips back to back for `ms`; the round trips completed. */
async function load(conns: readonly Socket[], ms: number): Promise<number> {
  const msg = Buffer.alloc(64, 0x61);
  const until = performance.now() + ms;
  let done = 0;
  await Promise.all(
    conns.map(async (c) => {
      while (performance.now() < until) {
        const echoed = drain(c, msg.length);
        c.write(msg);
        await echoed;
        done++;
      }
    }),
  );
  return done;
}

async function workers_case(n: number, sharing: string, conns: number, seconds: number): Promise<Row> {
  const port = await free_port();
  const srv = await start_workers(n, port, sharing);
  const cs: Socket[] = [];
  try {
    for (let i = 0; i < conns; i++) cs.push(await open_when_bound(port));
    await load(cs, 1000);
    const before = srv.pids.map(cpu_us);
    const client_before = process.cpuUsage();
    const machine_before = machine_cpu_us();
    const t0 = performance.now();
    const trips = await load(cs, seconds * 1000);
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = srv.pids.map((pid, i) => cpu_us(pid) - (before[i] as number));
    const client = process.cpuUsage(client_before);
    const total = cpu.reduce((a, b) => a + b, 0);
    // What the rest of the machine took meanwhile: on a shared 2-core VM it decides the figures.
    const others = machine_cpu_us() - machine_before - total - (client.user + client.system);
    // Each process's share of the server's CPU: the primary's first when there is one.
    const shares = cpu.map((c) => `${Math.round((100 * c) / Math.max(total, 1))}%`).join("/");
    return {
      case: `echo, ${conns} connections (run_workers)`,
      impl: n > 1 ? `${n} workers (${sharing})` : "1 process",
      value: trips / elapsed,
      unit: "round trips/s",
      extra:
        `server CPU ${(total / trips).toFixed(1)} µs/op, ${(total / 1e6 / elapsed).toFixed(2)} cores busy ` +
        `[${n > 1 ? "primary/workers" : "process"} ${shares}]; client CPU ${((client.user + client.system) / trips).toFixed(1)} µs/op; ` +
        `other processes ${(Math.max(others, 0) / 1e6 / elapsed).toFixed(2)} cores`,
    };
  } finally {
    for (const c of cs) c.destroy();
    srv.proc.kill("SIGTERM");
    await srv.exited;
  }
}

function label(impl: Impl, mode: string): string {
  return impl === "node" ? "raw Node net" : `${impl === "ours" ? "asyncore-ts" : "CPython 3.11"} (${mode})`;
}

const has_python =
  spawnSync("python3", ["-c", "import asyncore, asynchat"], { stdio: "ignore" }).status === 0;
const quick = process.argv.includes("--quick");
/** `npm run bench -- idle bulk` runs only those cases (rr, lines, bulk, idle, workers). */
const only = process.argv.slice(2).filter((a, i, all) => !a.startsWith("-") && !(all[i - 1] ?? "").match(/^--(reps|idle)$/));
const wanted = (name: string): boolean => only.length === 0 || only.includes(name);
const N = quick ? 2000 : 10000;

/** Runs of each case, interleaved across implementations; the median is reported. */
const REPS = Number(flag_value("--reps") ?? (quick ? 1 : 3));

function flag_value(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

async function median_of(make: () => Promise<Row>): Promise<Row> {
  const rows: Row[] = [];
  for (let i = 0; i < REPS; i++) rows.push(await make());
  rows.sort((a, b) => a.value - b.value);
  return rows[Math.floor(rows.length / 2)] as Row;
}

async function main(): Promise<void> {
  if (!existsSync(join(here, "servers", "ours.js"))) throw new Error("build first: npm run bench");
  const impls: Impl[] = has_python ? ["ours", "cpython"] : ["ours"];
  console.log(`median of ${REPS} run(s) per case; server CPU (user + system) from /proc`);
  const add = (r: Row): void => {
    console.log(`${r.case.padEnd(40)} ${r.impl.padEnd(24)} ${r.value.toFixed(2).padStart(8)} ${r.unit}${r.extra ? `  (${r.extra})` : ""}`);
  };
  if (wanted("rr")) {
    for (const kind of ["echo", "chat_line"] as const) {
      for (const impl of impls) for (const mode of ["select", "poll"]) add(await median_of(() => rr_case(impl, kind, mode, N)));
      add(await median_of(() => rr_case("node", kind, "-", N)));
    }
  }
  if (wanted("lines")) {
    for (const impl of impls) add(await median_of(() => lines_case(impl, "poll", quick ? 50_000 : 400_000)));
    add(await median_of(() => lines_case("node", "-", quick ? 50_000 : 400_000)));
  }
  if (wanted("bulk")) {
    for (const impl of impls) add(await median_of(() => bulk_case(impl, "chat_bulk", "poll", quick ? 16 : 128)));
    add(await median_of(() => bulk_case("node", "echo", "-", quick ? 16 : 128)));
  }
  if (wanted("idle")) {
    const idle = Number(flag_value("--idle") ?? (quick ? 2000 : 10000));
    for (const impl of impls) {
      // CPython's select() dies at fd 1,024: its select loop cannot hold this many.
      for (const mode of impl === "cpython" && idle >= 1024 ? ["poll"] : ["select", "poll"]) {
        add(await median_of(() => idle_case(impl, mode, idle, quick ? 200 : 1000)));
      }
    }
    add(await median_of(() => idle_case("node", "-", idle, quick ? 200 : 1000)));
  }
  if (wanted("workers")) {
    // One server on every core (asyncore.run_workers): the same echo server and load, 1 process
    // and 2 workers, under each way of sharing the port this Node has.
    const sharings = [...(reuseport_supported() ? ["reuseport"] : []), "cluster"];
    const conns = quick ? 16 : 64;
    const seconds = quick ? 2 : 5;
    const setups: Array<[number, string]> = [[1, "-"], ...sharings.map((s): [number, string] => [2, s])];
    for (const [n, sharing] of setups) add(await median_of(() => workers_case(n, sharing, conns, seconds)));
  }
  if (!has_python) console.log("(python3 with asyncore not found: CPython rows skipped)");
}

await main();
