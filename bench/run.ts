// `npm run bench`: server CPU per operation for asyncore-ts beside CPython's asyncore and raw Node.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { drain, LINE, open, pipeline } from "./client.js";
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



/** `n` round trips of `size` bytes (fewer if `budget_ms` runs out first); each one's latency in ms. */
async function round_trips(c: Socket, n: number, size: number, message?: Buffer, budget_ms = Infinity): Promise<number[]> {
  const msg = message ?? Buffer.alloc(size, 0x61);
  msg[size - 1] = 0x0a;
  const lat: number[] = [];
  const end = performance.now() + budget_ms;
  for (let i = 0; i < n && performance.now() < end; i++) {
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

/**
 * Bulk echo on one connection, measured twice: cold (the server's first `mib` MiB, JIT
 * compilation included; shown beside) and warm (`measured` MiB after `warm` MiB more; the
 * figure). V8 compiles a function only after many calls, and a bulk transfer makes few (16 reads
 * per MiB), so the first 64 MiB mostly measure start-up; the other cases warm up before they
 * measure too.
 */
async function bulk_case(impl: Impl, kind: Kind, mode: string, mib: number, warm: number, measured: number): Promise<Row> {
  const srv = await start(impl, kind, mode);
  try {
    const c = await open(srv.port);
    // 64 KiB of 1 KiB lines: the line echo has lines to find, the others do not care.
    const chunk = Buffer.alloc(65536, 0x62);
    for (let i = 1023; i < chunk.length; i += 1024) chunk[i] = 0x0a;
    const transfer = async (m: number): Promise<void> => {
      const done = drain(c, m * 16 * chunk.length);
      for (let i = 0; i < m * 16; i++) {
        if (!c.write(chunk)) await new Promise((r) => c.once("drain", r));
      }
      await done;
    };
    const cold = await measure(srv, () => transfer(mib));
    if (warm > 0) await transfer(warm);
    const cpu = warm > 0 ? await measure(srv, () => transfer(measured)) : cold;
    c.destroy();
    return {
      case: `bulk echo (${kind})`, impl: label(impl, mode), value: cpu / 1000 / (warm > 0 ? measured : mib), unit: "ms CPU/MiB",
      extra: warm > 0 ? `warm; first ${mib} MiB cold: ${(cold / 1000 / mib).toFixed(2)}` : "cold",
    };
  } finally {
    srv.proc.kill();
  }
}

function pct(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
}


/**
 * `conns` connections, each with one 32-byte line in flight, `n` round trips in all, measured
 * twice: cold (the server's first `n`, JIT compilation included; shown beside) and warm (the
 * next `n`; the figure), as bulk_case does: in one run the first 10,000 cost 2.3× the next
 * 10,000 for raw Node and 2.7–3.1× for ours, so a cold figure measures mostly start-up.
 */
async function lines_rr_case(impl: Impl, kind: Kind, mode: string, conns: number, n: number): Promise<Row> {
  const srv = await start(impl, kind, mode);
  const cs: Socket[] = [];
  try {
    for (let i = 0; i < conns; i++) cs.push(await open(srv.port));
    const per = Math.max(1, Math.floor(n / conns));
    let lat: number[] = [];
    const run = async (): Promise<void> => {
      lat = (await Promise.all(cs.map((c) => round_trips(c, per, LINE.length, LINE)))).flat();
    };
    const cold = await measure(srv, run);
    const cpu = await measure(srv, run);
    lat.sort((a, b) => a - b);
    return {
      case: `lines: ${conns} conns, 1 in flight (${kind})`, impl: label(impl, mode), value: cpu / (per * conns),
      unit: "µs CPU/round trip",
      extra: `warm; latency p50 ${(pct(lat, 0.5) * 1000).toFixed(0)} µs; first ${per * conns} cold: ${(cold / (per * conns)).toFixed(2)} µs`,
    };
  } finally {
    for (const c of cs) c.destroy();
    srv.proc.kill();
  }
}

/** One connection keeping `window` 32-byte lines in flight until `n` lines came back. */
async function pipeline_case(impl: Impl, kind: Kind, mode: string, window: number, n: number): Promise<Row> {
  const srv = await start(impl, kind, mode);
  try {
    const c = await open(srv.port);
    const run = (count: number): Promise<void> => pipeline(c, count, window);
    // Warm-up: a quarter of the measured lines, so that the JIT has compiled the hot path.
    await run(Math.max(1, Math.floor(n / 4)));
    const cpu = await measure(srv, () => run(n));
    c.destroy();
    return { case: `pipeline: ${window} lines in flight (${kind})`, impl: label(impl, mode), value: cpu / n, unit: "µs CPU/line" };
  } finally {
    srv.proc.kill();
  }
}

/** `n` times: connect, one 32-byte line echoed, close; `par` at a time. */
async function connect_case(impl: Impl, kind: Kind, mode: string, n: number, par: number): Promise<Row> {
  const srv = await start(impl, kind, mode);
  try {
    const once = async (): Promise<void> => {
      const c = await open(srv.port);
      await round_trips(c, 1, LINE.length, LINE);
      await new Promise<void>((r) => {
        c.once("close", () => r());
        c.end();
      });
    };
    const batch = async (count: number): Promise<void> => {
      let left = count;
      await Promise.all(Array.from({ length: par }, async () => {
        while (left > 0) {
          left--;
          await once();
        }
      }));
    };
    // Cold: the first `n` connections (JIT compilation included; shown beside), then warm: the next `n`.
    const cold = await measure(srv, () => batch(n));
    const cpu = await measure(srv, () => batch(n));
    return {
      case: `connect + 1 line + close (${kind})`, impl: label(impl, mode), value: cpu / n, unit: "µs CPU/connection",
      extra: `warm; first ${n} cold: ${(cold / n).toFixed(0)} µs`,
    };
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
    await round_trips(c, 500, 64, undefined, 5_000);
    let lat: number[] = [];
    // Up to n round trips, or 10 s (CPython's take 10–40 ms each): p99 over 5,000 is the 50th
    // worst, which one GC pause or one preemption cannot make on its own.
    const cpu = await measure(srv, async () => void (lat = await round_trips(c, n, 64, undefined, 10_000)));
    const rss = rss_kb(srv.proc.pid as number);
    lat.sort((a, b) => a - b);
    c.destroy();
    const p50 = lat[Math.floor(lat.length / 2)] ?? 0;
    const p99 = lat[Math.floor(lat.length * 0.99)] ?? 0;
    return {
      case: `round trip with ${idle} idle connections`, impl: label(impl, mode), value: cpu / lat.length,
      unit: "µs CPU/op",
      extra:
        `latency p50 ${(p50 * 1000).toFixed(0)} µs, p99 ${(p99 * 1000).toFixed(0)} µs over ${lat.length}; opened ${opened}` +
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

/** `--no-python` leaves the CPython rows out (quicker runs while working on one side). */
const has_python =
  !process.argv.includes("--no-python") &&
  spawnSync("python3", ["-c", "import asyncore, asynchat"], { stdio: "ignore" }).status === 0;
const quick = process.argv.includes("--quick");
/** `--smoke`: every case once, tiny sizes, one program per case (the test suite runs this). */
const smoke = process.argv.includes("--smoke");
/**
 * `npm run bench -- idle bulk` runs only those cases: lines, pipeline, bulk, connect, idle (the
 * issue's table, run by default with workers), rr and flood (the older single-connection
 * cases, run only when named), workers, tls (bench/tls.ts, run only when named).
 */
const only = process.argv.slice(2).filter((a, i, all) => !a.startsWith("-") && !(all[i - 1] ?? "").match(/^--(reps|idle|kinds)$/));
const DEFAULT = ["lines", "pipeline", "bulk", "connect", "idle", "workers"];
const wanted = (name: string): boolean => (only.length === 0 ? DEFAULT.includes(name) && (!smoke || name !== "workers") : only.includes(name));
const N = quick ? 2000 : 10000;

/** Runs of each case, interleaved across implementations; the median is reported. */
const REPS = Number(flag_value("--reps") ?? (quick || smoke ? 1 : 3));

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

const KINDS: readonly Kind[] = ["echo", "chat_line", "chat_bulk"];
const LOOPS = ["select", "poll"] as const;

function print(r: Row, note = ""): void {
  console.log(`${r.case.padEnd(44)} ${r.impl.padEnd(24)} ${r.value.toFixed(2).padStart(9)} ${r.unit}${r.extra ? `  (${r.extra})` : ""}${note}`);
}

/**
 * One row of the table: for each program, raw Node, then asyncore-ts and CPython under each
 * loop; asyncore-ts rows carry their ratio to raw Node and to CPython under the same loop.
 */
async function table_row(
  kinds: readonly Kind[],
  make: (impl: Impl, kind: Kind, mode: string) => Promise<Row>,
  cpython_select = true,
): Promise<void> {
  const impls: Impl[] = has_python ? ["ours", "cpython"] : ["ours"];
  for (const kind of kinds) {
    const node = await median_of(() => make("node", kind, "-"));
    print(node);
    const rows = new Map<string, Row>();
    for (const mode of LOOPS) {
      for (const impl of impls) {
        if (impl === "cpython" && mode === "select" && !cpython_select) {
          console.log(`${"".padEnd(44)} CPython 3.11 (select)    skipped: its select() dies at fd 1,024`);
          continue;
        }
        rows.set(`${impl} ${mode}`, await median_of(() => make(impl, kind, mode)));
      }
    }
    for (const mode of LOOPS) {
      const ours = rows.get(`ours ${mode}`) as Row;
      const py = rows.get(`cpython ${mode}`);
      const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : "n/a");
      print(ours, `  [${ratio(ours.value, node.value)} raw Node${py ? `, ${ratio(ours.value, py.value)} CPython` : ""}]`);
      if (py) print(py);
    }
  }
}

async function main(): Promise<void> {
  if (!existsSync(join(here, "servers", "ours.js"))) throw new Error("build first: npm run bench");
  const impls: Impl[] = has_python ? ["ours", "cpython"] : ["ours"];
  console.log(`median of ${REPS} run(s) per case; server CPU (user + system) from /proc; ratios are asyncore-ts to raw Node and to CPython under the same loop`);
  // The smoke run covers every case with one program each, at sizes that take seconds.
  // `--kinds echo,chat_line` runs only those programs.
  const chosen = flag_value("--kinds")?.split(",") as Kind[] | undefined;
  const kinds = (k: Kind): readonly Kind[] => (smoke ? [k] : chosen ?? KINDS);
  if (wanted("lines")) {
    const [conns, n] = smoke ? [4, 40] : quick ? [50, 4000] : [50, 20000];
    await table_row(kinds("echo"), (impl, kind, mode) => lines_rr_case(impl, kind, mode, conns, n));
  }
  if (wanted("pipeline")) {
    const n = smoke ? 400 : quick ? 20_000 : 200_000;
    await table_row(kinds("chat_line"), (impl, kind, mode) => pipeline_case(impl, kind, mode, 16, n));
  }
  if (wanted("bulk")) {
    // Measured over 256 MiB: at ~2 ms/MiB, 64 MiB were ~13 ticks of 10 ms, too few for one pass.
    const [mib, warm, measured] = smoke ? [1, 0, 1] : quick ? [8, 16, 32] : [64, 128, 256];
    await table_row(kinds("chat_bulk"), (impl, kind, mode) => bulk_case(impl, kind, mode, mib, warm, measured));
  }
  if (wanted("connect")) {
    const n = smoke ? 20 : quick ? 300 : 2000;
    await table_row(kinds("chat_line"), (impl, kind, mode) => connect_case(impl, kind, mode, n, 8));
  }
  if (wanted("idle")) {
    const idle = Number(flag_value("--idle") ?? (smoke ? 50 : quick ? 2000 : 10000));
    const n = smoke ? 20 : quick ? 1000 : 5000;
    // The idle case runs the echo program only: what it measures is the map, not the program.
    await table_row(["echo"], (impl, _kind, mode) => idle_case(impl, mode, idle, n), idle < 1024);
  }
  if (wanted("rr")) {
    for (const kind of ["echo", "chat_line"] as const) {
      for (const impl of impls) for (const mode of LOOPS) print(await median_of(() => rr_case(impl, kind, mode, N)));
      print(await median_of(() => rr_case("node", kind, "-", N)));
    }
  }
  if (wanted("flood")) {
    for (const impl of impls) print(await median_of(() => lines_case(impl, "poll", quick ? 50_000 : 400_000)));
    print(await median_of(() => lines_case("node", "-", quick ? 50_000 : 400_000)));
  }
  if (wanted("workers")) {
    // One server on every core (asyncore.run_workers): the same echo server and load, 1 process
    // and 2 workers, under each way of sharing the port this Node has.
    const sharings = [...(reuseport_supported() ? ["reuseport"] : []), "cluster"];
    const conns = quick ? 16 : 64;
    const seconds = quick ? 2 : 5;
    const setups: Array<[number, string]> = [[1, "-"], ...sharings.map((s): [number, string] => [2, s])];
    for (const [n, sharing] of setups) print(await median_of(() => workers_case(n, sharing, conns, seconds)));
  }
  // TLS (bench/tls.ts): asyncore-ts/ssl beside raw node:tls; run only when named.
  if (only.includes("tls")) await (await import("./tls.js")).run_tls({ smoke, quick, reps: REPS });
  if (!has_python) {
    console.log(process.argv.includes("--no-python") ? "(--no-python: CPython rows skipped)" : "(python3 with asyncore not found: CPython rows skipped)");
  }
}

await main();
