// `node dist/bench/tls_callgrind.js`: a TLS bench server's user-space instructions per MiB echoed or per handshake, under valgrind (bench/TLS.md).
//
// As bench/callgrind.ts does for the plain servers: the server runs under `valgrind
// --tool=callgrind` (Node with --single-threaded), `--small` operations warm it up, the counters
// are zeroed, `--large` operations run, the counters are dumped: instructions per operation,
// with what V8's optimizing compiler still did reported apart. Kernel work is not counted.
//
//   node dist/bench/tls_callgrind.js bulk ours poll [--small 4 --large 8]            (MiB)
//   node dist/bench/tls_callgrind.js handshake node - [--small 50 --large 100]       (handshakes, one at a time)
//   --cpu: no valgrind, the server's CPU from /proc instead (--threads: without --single-threaded);
//   --cpu-prof DIR: Node's sampling profiler.
//   --js [N]: also the instructions by kind (memcpy, AES-GCM, V8 builtins, …) and the N (30) JavaScript
//   functions whose own JIT code ran most, named through V8's perf map (Node with --perf-basic-prof).
//   impl: ours (bench/servers/tls_ours.ts, mode select | poll) | node (bench/servers/tls_raw_node.ts)
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TLSSocket } from "node:tls";
import { tls_bulk, tls_open } from "./tls_client.js";
import { format_js_profile, js_profile } from "./tls_callgrind_js.js";

const here = dirname(fileURLToPath(import.meta.url));

type Case = "bulk" | "handshake";
const [what, impl, mode] = process.argv.slice(2) as [Case, "ours" | "node", string];

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
}

const DEFAULTS: Record<Case, [number, number]> = { bulk: [4, 8], handshake: [50, 100] };
const small = flag("--small", DEFAULTS[what][0]);
const large = flag("--large", DEFAULTS[what][1]);
const cpu_only = process.argv.includes("--cpu");
const prof = process.argv.indexOf("--cpu-prof");
const js = process.argv.indexOf("--js");

/** `n` full handshakes one after another, each connection ended once secure and awaited to its close. */
async function handshakes(port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const c = await tls_open(port);
    c.end();
    await new Promise((r) => c.once("close", r));
  }
}

/** User and system CPU ticks (10 ms) of a process so far. */
function cpu_ticks(pid: number): [number, number] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return [Number(f[11]), Number(f[12])];
}

function control(pid: number, op: "-z" | "-d"): void {
  execFileSync("callgrind_control", [op, String(pid)], { stdio: "ignore" });
}

const dir = mkdtempSync(join(tmpdir(), "tlscg-"));
const file = join(here, "servers", impl === "ours" ? "tls_ours.js" : "tls_raw_node.js");
// --threads (with --cpu): Node as the bench runs it, its GC and compiler on their own threads.
const threads = cpu_only && process.argv.includes("--threads");
const node = [
  process.execPath,
  ...(threads ? [] : ["--single-threaded"]),
  ...(prof >= 0 ? ["--cpu-prof", `--cpu-prof-dir=${process.argv[prof + 1]}`] : []),
  ...(js >= 0 && !cpu_only && prof < 0 ? ["--perf-basic-prof"] : []),
  file,
  mode,
];
const argv = cpu_only || prof >= 0 ? node : ["valgrind", "--tool=callgrind", `--callgrind-out-file=${join(dir, "cg.out")}`, ...node];
const proc = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
let err = "";
proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
const exited = new Promise<void>((r) => proc.once("exit", () => r()));
const port = await new Promise<number>((resolve, reject) => {
  proc.once("exit", () => reject(new Error(`server exited: ${err}`)));
  let head = "";
  proc.stdout!.on("data", (d: Buffer) => {
    head += d.toString();
    const m = /^(\d+)$/m.exec(head);
    if (m) resolve(Number(m[1]));
  });
});
const pid = proc.pid!;
const valgrind = !cpu_only && prof < 0;
let c: TLSSocket | null = null;
if (what === "bulk") {
  c = await tls_open(port);
  await tls_bulk(c, small);
} else {
  await handshakes(port, small);
}
const t0 = cpu_ticks(pid);
const w0 = performance.now();
if (valgrind) control(pid, "-z");
if (what === "bulk") await tls_bulk(c!, large);
else await handshakes(port, large);
if (valgrind) control(pid, "-d");
const t1 = cpu_ticks(pid);
const wall = (performance.now() - w0) / large;
c?.destroy();
proc.kill("SIGINT");
await exited;
const per = what === "bulk" ? "MiB" : "handshake";
if (!valgrind) {
  const ms = (i: 0 | 1): number => ((t1[i] - t0[i]) * 10) / large;
  if (cpu_only) console.log(`tls ${what} ${impl} ${mode}: CPU ${(ms(0) + ms(1)).toFixed(3)} ms per ${per} (user ${ms(0).toFixed(3)}, system ${ms(1).toFixed(3)}; wall ${wall.toFixed(3)} ms)`);
} else {
  const dump = readdirSync(dir).filter((f) => f !== "cg.out").sort()[0]!;
  const text = readFileSync(join(dir, dump), "utf8");
  const annotated = execFileSync("callgrind_annotate", ["--threshold=100", join(dir, dump)], { maxBuffer: 1 << 28 }).toString();
  let compiler = 0;
  for (const line of annotated.split("\n")) {
    const f = /^\s*([\d,]+)\s+\([^)]*\)\s+(.*)$/.exec(line);
    if (f && /v8::internal::compiler::/.test(f[2]!)) compiler += Number(f[1]!.replace(/,/g, ""));
  }
  if (process.argv.includes("--keep")) console.log(`callgrind output: ${join(dir, dump)}`);
  const m = /^(?:summary|totals): (\d+)/m.exec(text);
  if (!m) throw new Error("no totals in callgrind output");
  const ir = Number(m[1]);
  const k = (x: number): string => `${(x / large / 1000).toFixed(1)}k`;
  console.log(`tls ${what} ${impl} ${mode}: ${k(ir - compiler)} instructions per ${per} without the optimizing compiler (${k(ir)} with it; over ${large}, after ${small} to warm up)`);
  if (js >= 0) {
    const map = `/tmp/perf-${pid}.map`;
    const top = Number(process.argv[js + 1]);
    console.log(format_js_profile(js_profile(join(dir, dump), map), large, Number.isInteger(top) && top > 0 ? top : 30));
    rmSync(map, { force: true });
  }
}
if (!process.argv.includes("--keep")) rmSync(dir, { recursive: true, force: true });
