// `npm run bench`: server CPU per operation for asyncore-ts beside CPython's asyncore and raw Node.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpu_us, TICK_US } from "./cpu.js";
import { drain, LINE, open, pipeline } from "./client.js";
import { reuseport_supported } from "../src/socket/sharing.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

interface Server {
  readonly proc: ChildProcess;
  readonly port: number;
  readonly exited: Promise<void>;
}

type Impl = "ours" | "cpython" | "node";
type Kind = "echo" | "chat_line" | "chat_bulk";

function start(impl: Impl, kind: Kind, mode: string): Promise<Server> {
  const cmd =
    impl === "cpython"
      ? ["python3", ["-W", "ignore", join(root, "bench", "servers", "py_server.py"), kind, mode]]
      : [process.execPath, [join(here, "servers", impl === "ours" ? "ours.js" : "raw_node.js"), kind, mode]];
  const proc = spawn(cmd[0] as string, cmd[1] as string[], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  return new Promise((resolve, reject) => {
    proc.on("error", reject);
    proc.stdout?.once("data", (d: Buffer) => resolve({ proc, port: Number(d.toString().trim()), exited }));
  });
}

async function stop(srv: Server): Promise<void> {
  srv.proc.kill();
  await srv.exited;
}

/** CPU time used by the whole machine so far (every core, every process), from /proc/stat. */
function machine_cpu_us(): number {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
  return (user + nice + system + irq + softirq + steal) * TICK_US;
}

/** The machine's load averages over 1, 5 and 15 minutes. */
function loadavg(): string {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
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

/* The older single-connection cases (`rr`, `flood`, run only when named): one server at a time, the median of REPS. */

async function rr_case(impl: Impl, kind: Kind, mode: string, n: number): Promise<Row> {
  const srv = await start(impl, kind, mode);
  try {
    const c = await open(srv.port);
    await round_trips(c, 500, 64);
    const cpu = await measure(srv, async () => void (await round_trips(c, n, 64)));
    c.destroy();
    return { case: `round trip 64 B (${kind})`, impl: label(impl, mode), value: cpu / n, unit: "µs CPU/op" };
  } finally {
    await stop(srv);
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
    await stop(srv);
  }
}

function pct(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/*
 * The issue 10 table (bench/README.md, "How the table is measured"). Each row runs `SETS` sets;
 * a set starts every server of the row (raw Node, asyncore-ts and CPython under each loop) at
 * once, prepares each (connections, the cold figure, warm-up), then measures each in `ROUNDS`
 * rounds of one window each. The ratios are taken within each round, where the windows compared
 * met the same stretch of the machine's load, and their median over SETS × ROUNDS is reported
 * with their range.
 */

/** One server's part in a row: what the case does to it before, in and after its windows. */
interface Runner {
  /** CPU per operation over the server's first stretch of work (JIT compilation included), shown beside. */
  readonly cold?: number;
  /** Unmeasured work before each window: takes up what a server that stood idle pays at first. */
  lead(): Promise<void>;
  /** One measured window; the operations it made, and their latencies (ms) where the case keeps them. */
  window(): Promise<{ ops: number; lat?: number[] }>;
  /** Figures taken once per set after the rounds (idle: opening time, RSS). */
  facts?(): Record<string, number>;
  close(): void;
}

/** The rounds' order: the servers take turns round by round, or each does all its rounds in one block. */
type Order = "turns" | "blocks";

interface Entry {
  readonly impl: Impl;
  readonly mode: string;
}

const key = (e: Entry): string => (e.impl === "node" ? "node" : `${e.impl} ${e.mode}`);

/** One server's figures over every set and round of a row. */
interface Series {
  /** CPU per operation, by round (set × ROUNDS + round). */
  readonly cpu: number[];
  /** Latency p50 (ms), by round, where the case keeps latencies. */
  readonly p50: number[];
  /** Every measured latency (ms). */
  readonly lat: number[];
  readonly cold: number[];
  readonly facts: Array<Record<string, number>>;
}

function rotated<T>(xs: readonly T[], r: number): T[] {
  return xs.map((_, i) => xs[(i + r) % xs.length]!);
}

/**
 * The turns of one set, [round, server]: each round takes every server once, the order rotating
 * from round to round (so none is always measured right after another).
 */
function turns(entries: readonly Entry[], set: number, rounds: number): Array<[number, Entry]> {
  const out: Array<[number, Entry]> = [];
  for (let r = 0; r < rounds; r++) for (const e of rotated(entries, set + r)) out.push([r, e]);
  return out;
}

/**
 * Every set and round of one row for one program. With "blocks" each server of a set is started,
 * prepared, measured in all its rounds back to back and stopped before the next, the blocks' order
 * rotating from set to set (idle: the client cannot hold every server's connections at once).
 */
async function run_sets(
  entries: readonly Entry[],
  kind: Kind,
  order: Order,
  make: (srv: Server) => Promise<Runner>,
): Promise<Map<string, Series>> {
  const out = new Map<string, Series>(entries.map((e) => [key(e), { cpu: [], p50: [], lat: [], cold: [], facts: [] }]));
  for (let set = 0; set < SETS; set++) {
    const servers = new Map<string, Server>();
    const runners = new Map<string, Runner>();
    const base = set * ROUNDS;
    const measure_round = async (r: number, e: Entry): Promise<void> => {
      const run = runners.get(key(e))!;
      const pid = servers.get(key(e))!.proc.pid as number;
      await run.lead();
      const before = cpu_us(pid);
      const w = await run.window();
      const cpu = cpu_us(pid) - before;
      const s = out.get(key(e))!;
      s.cpu[base + r] = cpu / Math.max(1, w.ops);
      if (w.lat) {
        const sorted = [...w.lat].sort((a, b) => a - b);
        s.p50[base + r] = pct(sorted, 0.5);
        s.lat.push(...w.lat);
      }
    };
    const prepare = async (e: Entry): Promise<void> => {
      const srv = servers.get(key(e)) ?? (await start(e.impl, kind, e.mode));
      servers.set(key(e), srv);
      const run = await make(srv);
      runners.set(key(e), run);
      if (run.cold !== undefined) out.get(key(e))!.cold.push(run.cold);
    };
    const finish = async (e: Entry): Promise<void> => {
      const run = runners.get(key(e));
      if (run?.facts) out.get(key(e))!.facts.push(run.facts());
      run?.close();
      runners.delete(key(e));
      const srv = servers.get(key(e));
      servers.delete(key(e));
      if (srv) await stop(srv);
    };
    try {
      if (order === "blocks") {
        for (const e of rotated(entries, set)) {
          await prepare(e);
          for (let r = 0; r < ROUNDS; r++) await measure_round(r, e);
          await finish(e);
        }
      } else {
        // Started together (their start-up is mostly waiting), then prepared one at a time.
        await Promise.all(entries.map(async (e) => void servers.set(key(e), await start(e.impl, kind, e.mode))));
        for (const e of rotated(entries, set)) await prepare(e);
        for (const [r, e] of turns(entries, set, ROUNDS)) await measure_round(r, e);
        for (const e of entries) await finish(e);
      }
    } finally {
      for (const run of runners.values()) run.close();
      await Promise.all([...servers.values()].map(stop));
    }
  }
  return out;
}

/** `a / b` round by round, over the rounds both have. */
function ratios(a: readonly number[], b: readonly number[]): number[] {
  const q: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== undefined && b[i] !== undefined && b[i]! > 0) q.push(a[i]! / b[i]!);
  return q.sort((x, y) => x - y);
}

/** "1.12× raw Node (0.95–1.30)": the median of the rounds' ratios and their range. */
function ratio_note(q: readonly number[], what: string): string {
  if (q.length === 0) return `n/a ${what}`;
  return `${median(q).toFixed(2)}× ${what} (${q[0]!.toFixed(2)}–${q[q.length - 1]!.toFixed(2)})`;
}

function range(xs: readonly number[], digits = 2): string {
  const s = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
  return s.length ? `${s[0]!.toFixed(digits)}–${s[s.length - 1]!.toFixed(digits)}` : "n/a";
}

/** What a case prints beside a server's figure, and beside asyncore-ts's ratios. */
interface Describe {
  /** The case's column text, from the server's series. */
  extra(s: Series): string;
  /** Ratios beyond CPU per op (latency, opening, RSS) of asyncore-ts against raw Node. */
  more?(ours: Series, node: Series): string;
}

/** Case name, unit, order of rounds, and its runner; `cpython_select` false leaves CPython's select loop out. */
interface CaseDef {
  name(kind: Kind): string;
  readonly unit: string;
  readonly order: Order;
  make(srv: Server, kind: Kind): Promise<Runner>;
  readonly describe: Describe;
  readonly cpython_select?: boolean;
}

/**
 * One row of the table: for each program, raw Node, then asyncore-ts and CPython under each
 * loop, each the median over its rounds; asyncore-ts rows carry the median and range of their
 * ratio to raw Node and to CPython under the same loop, taken within each round.
 */
async function table_row(kinds: readonly Kind[], def: CaseDef): Promise<void> {
  const entries: Entry[] = [{ impl: "node", mode: "-" }];
  for (const mode of LOOPS) {
    entries.push({ impl: "ours", mode });
    if (has_python && (mode === "poll" || def.cpython_select !== false)) entries.push({ impl: "cpython", mode });
  }
  for (const kind of kinds) {
    const t0 = performance.now();
    const load0 = loadavg();
    const series = await run_sets(entries, kind, def.order, (srv) => def.make(srv, kind));
    const secs = ((performance.now() - t0) / 1000).toFixed(0);
    const node = series.get("node")!;
    const row = (e: Entry): Row => {
      const s = series.get(key(e))!;
      return { case: def.name(kind), impl: label(e.impl, e.mode), value: median(s.cpu), unit: def.unit, extra: `${def.describe.extra(s)}; rounds ${range(s.cpu)}` };
    };
    console.log(`# ${def.name(kind)}: ${SETS} set(s) × ${ROUNDS} rounds, ${def.order}, ${secs} s, load average ${load0} → ${loadavg()}`);
    print(row(entries[0]!));
    for (const mode of LOOPS) {
      const ours = series.get(`ours ${mode}`)!;
      const py = series.get(`cpython ${mode}`);
      const notes = [ratio_note(ratios(ours.cpu, node.cpu), "raw Node")];
      if (py) notes.push(ratio_note(ratios(ours.cpu, py.cpu), "CPython"));
      const more = def.describe.more?.(ours, node);
      if (more) notes.push(more);
      print(row({ impl: "ours", mode }), `  [${notes.join(", ")}]`);
      if (py) print(row({ impl: "cpython", mode }));
      else if (has_python && mode === "select") console.log(`${"".padEnd(44)} CPython 3.11 (select)    skipped: its select() dies at fd 1,024`);
    }
  }
}

/** The unmeasured lead-in before each window: a fifth of a window (`--lead F`: F windows) for turns, none for blocks (a block's windows follow one another). */
function lead_of(window: number, order: Order): number {
  return order === "turns" ? Math.max(1, Math.round(window * LEAD)) : 0;
}

/** `conns` connections, each with one 32-byte line in flight; cold over the first `n` round trips, then windows of `n` / ROUNDS. */
function lines_def(conns: number, n: number, order: Order): CaseDef {
  return {
    name: (kind) => `lines: ${conns} conns, 1 in flight (${kind})`,
    unit: "µs CPU/round trip",
    order,
    async make(srv) {
      const cs: Socket[] = [];
      for (let i = 0; i < conns; i++) cs.push(await open(srv.port));
      const go = async (total: number): Promise<number[]> => {
        if (total <= 0) return [];
        const per = Math.max(1, Math.floor(total / conns));
        return (await Promise.all(cs.map((c) => round_trips(c, per, LINE.length, LINE)))).flat();
      };
      // Cold: the server's first `n` round trips (in one run the first 10,000 cost 2.3× the next
      // 10,000 for raw Node and 2.7–3.1× for ours, so a cold figure measures mostly start-up).
      let cold_ops = 0;
      const cold = await measure(srv, async () => void (cold_ops = (await go(n)).length));
      const win = Math.max(conns, Math.round(n / ROUNDS));
      return {
        cold: cold / cold_ops,
        lead: async () => void (await go(lead_of(win, order))),
        window: async () => {
          const lat = await go(win);
          return { ops: lat.length, lat };
        },
        close: () => cs.forEach((c) => c.destroy()),
      };
    },
    describe: {
      extra: (s) => `warm; latency p50 ${(pct([...s.lat].sort((a, b) => a - b), 0.5) * 1000).toFixed(0)} µs; first ${n} cold: ${median(s.cold).toFixed(2)} µs`,
      more: (ours, node) => ratio_note(ratios(ours.p50, node.p50), "raw Node's latency p50"),
    },
  };
}

/** One connection keeping `window` 32-byte lines in flight; `n` / 4 to warm up, then windows of `n` / ROUNDS lines. */
function pipeline_def(window: number, n: number, order: Order): CaseDef {
  return {
    name: (kind) => `pipeline: ${window} lines in flight (${kind})`,
    unit: "µs CPU/line",
    order,
    async make(srv) {
      const c = await open(srv.port);
      const run = (count: number): Promise<void> => (count > 0 ? pipeline(c, count, window) : Promise.resolve());
      // Warm-up: a quarter of the measured lines, so that the JIT has compiled the hot path.
      await run(Math.max(1, Math.floor(n / 4)));
      const win = Math.max(1, Math.round(n / ROUNDS));
      return {
        lead: () => run(lead_of(win, order)),
        window: async () => {
          await run(win);
          return { ops: win };
        },
        close: () => c.destroy(),
      };
    },
    describe: { extra: () => "warm" },
  };
}

/**
 * Bulk echo on one connection: cold (the server's first `mib` MiB, JIT compilation included;
 * shown beside), `warm` MiB more unmeasured, then windows of `measured` / ROUNDS MiB. V8
 * compiles a function only after many calls, and a bulk transfer makes few (16 reads per MiB), so
 * the first 64 MiB mostly measure start-up; the other cases warm up before they measure too.
 */
function bulk_def(mib: number, warm: number, measured: number, order: Order): CaseDef {
  return {
    name: (kind) => `bulk echo (${kind})`,
    unit: "ms CPU/MiB",
    order,
    async make(srv) {
      const c = await open(srv.port);
      // 64 KiB of 1 KiB lines: the line echo has lines to find, the others do not care.
      const chunk = Buffer.alloc(65536, 0x62);
      for (let i = 1023; i < chunk.length; i += 1024) chunk[i] = 0x0a;
      const transfer = async (m: number): Promise<void> => {
        if (m <= 0) return;
        const done = drain(c, m * 16 * chunk.length);
        for (let i = 0; i < m * 16; i++) {
          if (!c.write(chunk)) await new Promise((r) => c.once("drain", r));
        }
        await done;
      };
      const cold = await measure(srv, () => transfer(mib));
      if (warm > 0) await transfer(warm);
      const win = Math.max(1, Math.round(measured / ROUNDS));
      return {
        cold: cold / 1000 / mib,
        lead: () => transfer(lead_of(win, order)),
        window: async () => {
          await transfer(win);
          // Figures in ms per MiB: a thousandth of a MiB is the operation the CPU (µs) is divided by.
          return { ops: win * 1000 };
        },
        close: () => c.destroy(),
      };
    },
    describe: { extra: (s) => `warm; first ${mib} MiB cold: ${median(s.cold).toFixed(2)}` },
  };
}

/**
 * Connect, one 32-byte line echoed, close, `par` at a time: cold over the first `n`, `warm` more
 * unmeasured, then windows of `n` / ROUNDS. V8 compiles a function run once per connection only
 * after some thousands of connections: after 2,000 the optimizing compiler still took ~28 % of
 * asyncore-ts's instructions per connection and ~14 % of raw Node's, after 6,000 ~1 % of each
 * (bench/README.md, the conn6 section).
 */
function connect_def(n: number, warm: number, par: number, order: Order): CaseDef {
  return {
    name: (kind) => `connect + 1 line + close (${kind})`,
    unit: "µs CPU/connection",
    order,
    async make(srv) {
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
        await Promise.all(
          Array.from({ length: par }, async () => {
            while (left > 0) {
              left--;
              await once();
            }
          }),
        );
      };
      const cold = await measure(srv, () => batch(n));
      if (warm > 0) await batch(warm);
      const win = Math.max(par, Math.round(n / ROUNDS));
      return {
        cold: cold / n,
        lead: () => batch(lead_of(win, order)),
        window: async () => {
          await batch(win);
          return { ops: win };
        },
        close: () => undefined,
      };
    },
    describe: { extra: (s) => `warm (after ${n + warm}); first ${n} cold: ${median(s.cold).toFixed(0)} µs` },
  };
}

function rss_kb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
}

/**
 * `idle` connected clients that say nothing (opening: until the server has accepted them all),
 * one more, 500 round trips on it to warm up, then windows of `n` / ROUNDS round trips (or
 * 10 s / ROUNDS: CPython's take 10–40 ms each); p50 and p99 over every window of every set.
 */
function idle_def(idle: number, n: number, order: Order): CaseDef {
  return {
    name: () => `round trip with ${idle} idle connections`,
    unit: "µs CPU/op",
    order,
    cpython_select: idle < 1024,
    async make(srv) {
      const conns: Socket[] = [];
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
      const win = Math.max(1, Math.round(n / ROUNDS));
      const budget = 10_000 / ROUNDS;
      return {
        lead: async () => void (await round_trips(c, lead_of(win, order), 64, undefined, budget / 5)),
        window: async () => {
          const lat = await round_trips(c, win, 64, undefined, budget);
          return { ops: lat.length, lat };
        },
        facts: () => ({ opened, failed, open_s, rss: rss_kb(srv.proc.pid as number) }),
        close: () => {
          c.destroy();
          for (const x of conns) x.destroy();
        },
      };
    },
    describe: {
      extra: (s) => {
        const lat = [...s.lat].sort((a, b) => a - b);
        const f = s.facts;
        const failed = f.reduce((a, x) => a + x.failed!, 0);
        return (
          `latency p50 ${(pct(lat, 0.5) * 1000).toFixed(0)} µs, p99 ${(pct(lat, 0.99) * 1000).toFixed(0)} µs over ${lat.length}; ` +
          `opened ${median(f.map((x) => x.opened!))}${failed ? ` (${failed} failed)` : ""} in ${median(f.map((x) => x.open_s!)).toFixed(2)} s; ` +
          `RSS ${(median(f.map((x) => x.rss!)) / 1024).toFixed(0)} MiB`
        );
      },
      // Opening time and RSS are taken once per set: their ratios are taken set by set.
      more: (ours, node) =>
        [
          ratio_note(ratios(ours.facts.map((x) => x.open_s!), node.facts.map((x) => x.open_s!)), "raw Node's opening"),
          ratio_note(ratios(ours.facts.map((x) => x.rss!), node.facts.map((x) => x.rss!)), "raw Node's RSS"),
        ].join(", "),
    },
  };
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
const VALUED = /^--(reps|idle|kinds|rounds|turns|blocks|lead|connect-warm)$/;
const only = process.argv.slice(2).filter((a, i, all) => !a.startsWith("-") && !(all[i - 1] ?? "").match(VALUED));
const DEFAULT = ["lines", "pipeline", "bulk", "connect", "idle", "workers"];
const wanted = (name: string): boolean => (only.length === 0 ? DEFAULT.includes(name) && (!smoke || name !== "workers") : only.includes(name));
const N = quick ? 2000 : 10000;

function flag_value(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

/** Sets of fresh servers per row of the table (and runs of the other cases, whose median is reported). */
const REPS = Number(flag_value("--reps") ?? (quick || smoke ? 1 : 3));
const SETS = REPS;
/** Rounds per set: each server measured in ROUNDS windows, the measured work of the case split among them. */
const ROUNDS = Number(flag_value("--rounds") ?? (smoke ? 2 : quick ? 4 : 8));
/** The lead-in before each window of a row in turns, in windows. */
const LEAD = Number(flag_value("--lead") ?? 0.2);

/**
 * Each case's order of rounds (bench/README.md, "How the table is measured"): turns where a
 * server's window right after the others' turns costs it what it costs in steady state, blocks
 * where standing idle costs it more for longer than a lead-in (bulk), or where the servers cannot
 * all be prepared at once (idle: 10,000 connections each, the client's descriptors run out).
 * `--turns bulk,idle` or `--blocks lines` overrides it (to compare the two).
 */
const ORDERS: Record<string, Order> = { lines: "turns", pipeline: "turns", bulk: "blocks", connect: "turns", idle: "blocks" };
for (const o of ["turns", "blocks"] as const) for (const c of flag_value(`--${o}`)?.split(",") ?? []) ORDERS[c] = o;

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

async function main(): Promise<void> {
  if (!existsSync(join(here, "servers", "ours.js"))) throw new Error("build first: npm run bench");
  const impls: Impl[] = has_python ? ["ours", "cpython"] : ["ours"];
  console.log(
    `load average at start: ${loadavg()}\n` +
      `table: ${SETS} set(s) of servers × ${ROUNDS} rounds per row, each server one window per round; server CPU (every thread, ns) ` +
      `from /proc/<pid>/task/*/schedstat; each figure the median of its rounds (range beside); ratios of asyncore-ts to raw Node ` +
      `and to CPython under the same loop taken within each round: median (range)`,
  );
  // The smoke run covers every case with one program each, at sizes that take seconds.
  // `--kinds echo,chat_line` runs only those programs.
  const chosen = flag_value("--kinds")?.split(",") as Kind[] | undefined;
  const kinds = (k: Kind): readonly Kind[] => (smoke ? [k] : chosen ?? KINDS);
  if (wanted("lines")) {
    const [conns, n] = smoke ? [4, 40] : quick ? [50, 4000] : [50, 20000];
    await table_row(kinds("echo"), lines_def(conns, n, ORDERS.lines!));
  }
  if (wanted("pipeline")) {
    const n = smoke ? 400 : quick ? 20_000 : 200_000;
    await table_row(kinds("chat_line"), pipeline_def(16, n, ORDERS.pipeline!));
  }
  if (wanted("bulk")) {
    // Windows of 32 MiB (at ~1–5 ms/MiB, 30–160 ms of CPU each), after 64 MiB cold and 128 warm.
    const [mib, warm, measured] = smoke ? [1, 0, 2] : quick ? [8, 16, 32] : [64, 128, 256];
    await table_row(kinds("chat_bulk"), bulk_def(mib, warm, measured, ORDERS.bulk!));
  }
  if (wanted("connect")) {
    const n = smoke ? 20 : quick ? 300 : 2000;
    // --connect-warm N: the unmeasured connections between the cold ones and the rounds (0: the
    // method before branch conn6, whose windows started right after the 2,000 cold ones).
    const warm = Number(flag_value("--connect-warm") ?? (smoke ? 0 : quick ? 600 : 4000));
    await table_row(kinds("chat_line"), connect_def(n, warm, 8, ORDERS.connect!));
  }
  if (wanted("idle")) {
    const idle = Number(flag_value("--idle") ?? (smoke ? 50 : quick ? 2000 : 10000));
    const n = smoke ? 20 : quick ? 1000 : 5000;
    // The idle case runs the echo program only: what it measures is the map, not the program.
    await table_row(["echo"], idle_def(idle, n, ORDERS.idle!));
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
  console.log(`load average at end: ${loadavg()}`);
}

await main();
