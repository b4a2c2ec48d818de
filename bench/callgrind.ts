// `node dist/bench/callgrind.js`: a bench server's user-space instructions per operation, under valgrind.
//
// CPU time on a shared 2-core machine drifts by tens of percent between runs; instruction counts
// do not. Each measurement starts the server under `valgrind --tool=callgrind` (Node with
// --single-threaded, so that its GC and compiler run on the counted thread), drives a workload of
// `small` then, in a second server, `large` operations, and reports (Ir(large) - Ir(small)) /
// (large - small): start-up, JIT warm-up and shutdown cancel out. Kernel work (the system calls
// themselves) is not counted.
//
//   node dist/bench/callgrind.js bulk ours echo poll [--small 200 --large 50]    (MiB; ~3 min. V8 compiles a function
//     only after many calls and a bulk transfer makes few, 16 reads and 128 iterations per MiB: after 24 MiB the
//     compiler ran ~5M instructions per MiB in the window, after 100 still ~0.9M; the warm-up runs in four parts with
//     idle gaps between them, --gaps: bench/README.md, "The bulk echo's turn of Node's loop")
//   node dist/bench/callgrind.js pipeline ours chat_line select [--small 100000 --large 60000]   (after 20,000 lines
//     the optimizing compiler still ran in the window, ~2.8k per line: bench/README.md, the chat4 section)
//   node dist/bench/callgrind.js lines node chat_line - [--small 2000 --large 6000]
//   node dist/bench/callgrind.js connect ours echo select [--small 200 --large 800]   (connections, 8 at a time)
//   node dist/bench/callgrind.js idle ours echo select [--idle 10000 --small 500 --large 2000]   (round trips of one
//     connection beside --idle idle ones, opened first as bench/run.ts's idle case opens them)
//   node dist/bench/callgrind.js open ours echo select [--small 1000 --large 3000]   (idle connections opened, 200
//     at a time, beside `small` opened first; not a difference of two runs: opening costs O(open²) in asyncore's
//     pass, so this is Ir(opening `large` after `small`) / large)
//   impl: ours | node | cpython
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { drain, LINE, open, pipeline } from "./client.js";
import { format_js_profile, js_profile } from "./tls_callgrind_js.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

type Case = "bulk" | "pipeline" | "lines" | "connect" | "idle" | "open";
const [what, impl, kind, mode] = process.argv.slice(2) as [Case, string, string, string];

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
}

const DEFAULTS: Record<Case, [number, number]> = {
  bulk: [200, 50], pipeline: [100_000, 60_000], lines: [2_000, 6_000], connect: [200, 800], idle: [500, 2_000], open: [1_000, 3_000],
};
// --js [N]: also the instructions by kind and the N (30) JavaScript functions whose own JIT code
// ran most, named through V8's perf map (bench/tls_callgrind_js.ts; not for cpython).
const js = process.argv.indexOf("--js");
const small = flag("--small", DEFAULTS[what][0]);
const large = flag("--large", DEFAULTS[what][1]);

/** The interpreter itself: python3 may be a shim script, which valgrind would count instead. */
function python(): string {
  return execFileSync("python3", ["-c", "import sys; print(sys.executable)"]).toString().trim();
}

function server_cmd(): string[] {
  if (impl === "cpython") return [python(), "-W", "ignore", join(root, "bench", "servers", "py_server.py"), kind, mode];
  const file = join(here, "servers", impl === "ours" ? "ours.js" : "raw_node.js");
  // --node-flags "a b": more flags for the server's Node (e.g. --trace-deopt).
  const extra = process.argv.indexOf("--node-flags");
  const flags = extra < 0 ? [] : process.argv[extra + 1]!.split(" ");
  if (js >= 0) flags.push("--perf-basic-prof");
  return [process.execPath, "--single-threaded", ...flags, file, kind, mode];
}




async function bulk(c: Socket, mib: number): Promise<void> {
  const chunk = Buffer.alloc(65536, 0x62);
  for (let i = 1023; i < chunk.length; i += 1024) chunk[i] = 0x0a;
  const done = drain(c, mib * 16 * chunk.length);
  for (let i = 0; i < mib * 16; i++) {
    if (!c.write(chunk)) await new Promise((r) => c.once("drain", r));
  }
  await done;
}


async function lines(cs: Socket[], n: number): Promise<void> {
  const per = Math.floor(n / cs.length);
  await Promise.all(
    cs.map(async (c) => {
      for (let i = 0; i < per; i++) {
        const done = drain(c, LINE.length);
        c.write(LINE);
        await done;
      }
    }),
  );
}

/** `n` times: connect, one line echoed, close (the client ends, then waits for the server's close); 8 at a time, as bench/run.ts's connect case. */
async function connects(port: number, n: number): Promise<void> {
  let left = n;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (left > 0) {
        left--;
        const c = await open(port);
        const done = drain(c, LINE.length);
        c.write(LINE);
        await done;
        await new Promise<void>((r) => {
          c.once("close", () => r());
          c.end();
        });
      }
    }),
  );
}

/** `n` idle connections, 200 at a time, kept in `into`; then one round trip on another, which the server accepts after them all. */
async function open_idle(port: number, n: number, into: Socket[]): Promise<void> {
  for (let i = 0; i < n; i += 200) {
    into.push(...(await Promise.all(Array.from({ length: Math.min(200, n - i) }, () => open(port)))));
  }
  const c = await open(port);
  await lines([c], 1);
  into.push(c);
}

/** An idle gap of the warm-up: longer than the bench servers' 1 s loop timeout, so that their wait's timer fires in it too. */
const GAP_MS = 1500;

/** --cpu: no valgrind; the server's user and system CPU over the measured part, from /proc. */
const cpu_only = process.argv.includes("--cpu");

function cpu_ticks(pid: number): [number, number] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return [Number(f[11]), Number(f[12])];
}

function unit(): string {
  return what === "bulk" ? "MiB" : what === "pipeline" ? "line" : what === "connect" || what === "open" ? "connection" : "round trip";
}

/** callgrind_control on the server (zero the counters, or dump them). */
function control(pid: number, op: "-z" | "-d"): void {
  execFileSync("callgrind_control", [op, String(pid)], { stdio: "ignore" });
}

async function workload(cs: Socket[], n: number, port = 0): Promise<void> {
  if (n === 0) return;
  if (what === "connect") await connects(port, n);
  else if (what === "open") await open_idle(port, n, cs);
  else if (what === "idle") await lines(cs.slice(-1), n);
  else if (what === "bulk") await bulk(cs[0]!, n);
  else if (what === "pipeline") await pipeline(cs[0]!, n);
  else await lines(cs, n);
}

/**
 * One server: `small` operations to warm up, counters zeroed, `large` operations, counters
 * dumped. The Ir of that dump, per operation. (JIT work still done in the measured part is in it.)
 */
async function run(): Promise<[number, number]> {
  const dir = mkdtempSync(join(tmpdir(), "cg-"));
  const out = join(dir, "cg.out");
  const cmd = server_cmd();
  // --cpu-prof DIR: no valgrind, Node's sampling profiler instead.
  const prof = process.argv.indexOf("--cpu-prof");
  const argv =
    cpu_only
      ? cmd
      : prof < 0
      ? ["valgrind", "--tool=callgrind", `--callgrind-out-file=${out}`, ...cmd]
      : [cmd[0]!, "--cpu-prof", `--cpu-prof-dir=${process.argv[prof + 1]}`, ...cmd.slice(2)];
  const proc = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  proc.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  // --server-log FILE: the server's stdout after its port line (what --node-flags traces print).
  const log = process.argv.indexOf("--server-log");
  let log_text = "";
  if (log >= 0) proc.stdout?.on("data", (d: Buffer) => (log_text += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    proc.on("error", reject);
    proc.once("exit", () => reject(new Error(`server exited: ${err}`)));
    let head = "";
    const on = (d: Buffer): void => {
      head += d.toString();
      const m = /^(\d+)$/m.exec(head);
      if (m) {
        proc.stdout?.off("data", on);
        resolve(Number(m[1]));
      }
    };
    proc.stdout?.on("data", on);
  });
  const pid = proc.pid as number;
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const cs: Socket[] = [];
  for (let i = 0; i < (what === "lines" ? 50 : what === "connect" || what === "open" ? 0 : 1); i++) cs.push(await open(port));
  if (what === "idle") await open_idle(port, flag("--idle", 10_000), cs);
  // The warm-up in parts with idle gaps between them (--gaps N; bulk: 3): the pause while the
  // counters are zeroed is the server's first idle wait otherwise, and its loop's optimized code,
  // compiled on a transfer that never waited, then deoptimized there and was compiled again in
  // the measured part (~1.2M instructions per MiB of a 100 MiB window, after 200 MiB).
  const gaps = flag("--gaps", what === "bulk" ? 3 : 0);
  for (let i = 0, done = 0; i <= gaps; i++) {
    const part = Math.round((small * (i + 1)) / (gaps + 1)) - done;
    await workload(cs, part, port);
    done += part;
    if (i < gaps) await new Promise((r) => setTimeout(r, GAP_MS));
  }
  // The log marks where the measured part starts (what the traces printed during the warm-up is above it).
  if (log >= 0) log_text += "\n=== measured part starts ===\n";
  const t0 = cpu_ticks(pid);
  if (prof < 0 && !cpu_only) control(pid, "-z");
  await workload(cs, large, port);
  if (prof < 0 && !cpu_only) control(pid, "-d");
  const t1 = cpu_ticks(pid);
  for (const s of cs) s.destroy();
  proc.kill("SIGINT");
  await exited;
  if (log >= 0) writeFileSync(process.argv[log + 1]!, log_text);
  if (cpu_only || prof >= 0) {
    if (prof >= 0) return [0, 0];
    // 10 ms ticks: user and system ms per operation.
    // ms per MiB for bulk, µs per line or round trip otherwise.
    const scale = what === "bulk" ? 10 : 10_000;
    const u = ((t1[0] - t0[0]) * scale) / large;
    const k = ((t1[1] - t0[1]) * scale) / large;
    const per = `${what === "bulk" ? "ms" : "µs"} per ${unit()}`;
    console.log(`${what} ${impl} ${kind} ${mode}: CPU ${(u + k).toFixed(3)} ${per} (user ${u.toFixed(3)}, system ${k.toFixed(3)})`);
    return [0, 0];
  }
  const dumps = readdirSync(dir).filter((f) => f !== "cg.out").sort();
  const text = readFileSync(join(dir, dumps[0]!), "utf8");
  // What V8's optimizing compiler took (its work still left after the warm-up), from the
  // per-function self costs: reported apart, as it is a one-off cost, not a per-operation one.
  const annotated = execFileSync("callgrind_annotate", ["--threshold=100", join(dir, dumps[0]!)], {
    maxBuffer: 1 << 28,
  }).toString();
  let compiler = 0;
  for (const line of annotated.split("\n")) {
    const f = /^\s*([\d,]+)\s+\([^)]*\)\s+(.*)$/.exec(line);
    if (f && /v8::internal::(compiler|maglev)::/.test(f[2]!)) compiler += Number(f[1]!.replace(/,/g, ""));
  }
  // --keep: leave the callgrind output for callgrind_annotate.
  if (js >= 0) {
    const map = `/tmp/perf-${pid}.map`;
    const top = Number(process.argv[js + 1]);
    js_text = format_js_profile(js_profile(join(dir, dumps[0]!), map), large, Number.isInteger(top) && top > 0 ? top : 30);
    // --keep keeps the map beside the dump, for a closer look at it.
    if (process.argv.includes("--keep")) console.log(`perf map: ${map}`);
    else rmSync(map, { force: true });
  }
  if (process.argv.includes("--keep")) console.log(`callgrind output: ${join(dir, dumps[0]!)}`);
  else rmSync(dir, { recursive: true, force: true });
  const m = /^(?:summary|totals): (\d+)/m.exec(text);
  if (!m) throw new Error("no totals in callgrind output");
  return [Number(m[1]), compiler];
}

let js_text = "";
const [ir, compiler] = await run();
if (!process.argv.includes("--cpu-prof") && !cpu_only) {
  const k = (x: number): string => `${(x / large / 1000).toFixed(1)}k`;
  console.log(
    `${what} ${impl} ${kind} ${mode}: ${k(ir - compiler)} instructions per ${unit()} without the optimizing compiler ` +
      `(${k(ir)} with it; Ir ${ir} over ${large}, after ${small} to warm up)`,
  );
}
if (js_text) console.log(js_text);
