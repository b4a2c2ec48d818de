// TLS bench (`npm run bench -- tls`): server CPU per MiB of TLS bulk echo and per full handshake, asyncore-ts/ssl beside a raw node:tls server.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpu_us } from "./cpu.js";
import type { TLSSocket } from "node:tls";
import { tls_bulk, tls_open } from "./tls_client.js";

const here = dirname(fileURLToPath(import.meta.url));

type Impl = "node" | "select" | "poll";

interface Server {
  readonly proc: ChildProcess;
  readonly port: number;
}

function start(impl: Impl): Promise<Server> {
  const args = impl === "node" ? [join(here, "servers", "tls_raw_node.js")] : [join(here, "servers", "tls_ours.js"), impl];
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    proc.on("error", reject);
    proc.stdout!.once("data", (d: Buffer) => resolve({ proc, port: Number(d.toString().trim()) }));
  });
}

export interface TlsRow {
  readonly case: string;
  readonly impl: string;
  readonly value: number;
  readonly unit: string;
}

function label(impl: Impl): string {
  return impl === "node" ? "raw node:tls" : `asyncore-ts/ssl (${impl})`;
}

const IMPLS: readonly Impl[] = ["node", "select", "poll"];

/** The servers in round `r`'s order: each goes first, second and third in turn, so none is always measured right after another. */
function rotation(r: number): Impl[] {
  return IMPLS.map((_, i) => IMPLS[(i + r) % IMPLS.length]!);
}

/**
 * A process's minor page faults so far (`/proc/<pid>/stat`). This package's bulk echo goes through
 * spells of tens per MiB, when glibc's heap shrinks after a collection and grows again (pages
 * the kernel must hand out afresh), and costs about a sixth more per MiB in them (bench/TLS.md, tls6).
 */
function minor_faults(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
}

/** One window's measurement of each server, taken back to back (a round). */
type Round = Map<Impl, number>;

/**
 * The order of a set's turns, [round, server]: the servers take turns round by round (the
 * handshakes' order), or with `sequential` each does all its rounds in one block, the blocks in
 * the set's rotation (the bulk echo's order: a server that stands idle while the others have their
 * turns costs this package more per MiB for longer than a lead-in of 16 MiB, bench/TLS.md).
 */
function schedule(rep: number, rounds: number, sequential: boolean): Array<[number, Impl]> {
  const out: Array<[number, Impl]> = [];
  if (sequential) for (const impl of rotation(rep)) for (let r = 0; r < rounds; r++) out.push([r, impl]);
  else for (let r = 0; r < rounds; r++) for (const impl of rotation(rep + r)) out.push([r, impl]);
  return out;
}

function new_rounds(n: number): Round[] {
  return Array.from({ length: n }, () => new Map<Impl, number>());
}

async function start_all(): Promise<Map<Impl, Server>> {
  const servers = new Map<Impl, Server>();
  for (const impl of IMPLS) servers.set(impl, await start(impl));
  return servers;
}

function stop_all(servers: Map<Impl, Server>): void {
  for (const s of servers.values()) s.proc.kill();
}

/**
 * One set of fresh servers, one connection each: each warmed up by `warmup` MiB, then `rounds`
 * rounds in which each server echoes `lead` MiB unmeasured and `window` MiB measured, in the
 * order of schedule(); CPU per MiB of each server in each round. The lead-in takes up what a
 * server's first MiB after standing idle cost more (bench/TLS.md, "How the bench measures").
 */
async function bulk_rounds(rep: number, rounds: number, window: number, lead: number, warmup: number, sequential: boolean): Promise<[Round[], Round[]]> {
  const servers = await start_all();
  try {
    const conns = new Map<Impl, TLSSocket>();
    for (const impl of rotation(rep)) {
      const c = await tls_open(servers.get(impl)!.port);
      await tls_bulk(c, warmup);
      c.removeAllListeners("data");
      conns.set(impl, c);
    }
    const out = new_rounds(rounds);
    const faults = new_rounds(rounds);
    for (const [r, impl] of schedule(rep, rounds, sequential)) {
      const pid = servers.get(impl)!.proc.pid!;
      const c = conns.get(impl)!;
      await tls_bulk(c, lead);
      const before = cpu_us(pid);
      const f0 = minor_faults(pid);
      await tls_bulk(c, window);
      out[r]!.set(impl, (cpu_us(pid) - before) / 1000 / window);
      faults[r]!.set(impl, (minor_faults(pid) - f0) / window);
    }
    for (const c of conns.values()) c.destroy();
    return [out, faults];
  } finally {
    stop_all(servers);
  }
}

/** `n` full handshakes, `conc` at a time, each connection closed once secure (no session reuse). */
async function handshakes(port: number, n: number, conc: number): Promise<void> {
  const one = async (): Promise<void> => {
    const c = await tls_open(port);
    c.end();
    await new Promise((r) => c.once("close", r));
  };
  let left = n;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (left-- > 0) await one();
    }),
  );
}

/** As bulk_rounds(), for handshakes: `warmup` one at a time, then rounds of `lead` + `window` handshakes 4 at a time; [CPU ms each, handshakes/s]. */
async function handshake_rounds(
  rep: number,
  rounds: number,
  window: number,
  lead: number,
  warmup: number,
  sequential: boolean,
): Promise<[Round[], Round[]]> {
  const servers = await start_all();
  try {
    for (const impl of rotation(rep)) await handshakes(servers.get(impl)!.port, warmup, 1);
    const cpu = new_rounds(rounds);
    const rate = new_rounds(rounds);
    for (const [r, impl] of schedule(rep, rounds, sequential)) {
      const srv = servers.get(impl)!;
      await handshakes(srv.port, lead, 4);
      const before = cpu_us(srv.proc.pid!);
      const t0 = performance.now();
      await handshakes(srv.port, window, 4);
      const secs = (performance.now() - t0) / 1000;
      cpu[r]!.set(impl, (cpu_us(srv.proc.pid!) - before) / 1000 / window);
      rate[r]!.set(impl, window / secs);
    }
    return [cpu, rate];
  } finally {
    stop_all(servers);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function print(r: TlsRow, note = ""): void {
  console.log(`${r.case.padEnd(24)} ${r.impl.padEnd(28)} ${r.value.toFixed(3).padStart(10)} ${r.unit}${note}`);
}

/** Each server's median over all rounds, and for ours the median (and range) of its ratio to raw node:tls within each round. */
function report(name: string, unit: string, rounds: Round[], ratios: boolean): void {
  const base = median(rounds.map((r) => r.get("node")!));
  print({ case: name, impl: label("node"), value: base, unit });
  for (const impl of ["select", "poll"] as const) {
    const value = median(rounds.map((r) => r.get(impl)!));
    const q = rounds.map((r) => r.get(impl)! / r.get("node")!).sort((a, b) => a - b);
    const note = ratios ? `  [${median(q).toFixed(2)}× raw node:tls, median of ${q.length} rounds; ${q[0]!.toFixed(2)}–${q[q.length - 1]!.toFixed(2)}]` : "";
    print({ case: name, impl: label(impl), value, unit }, note);
  }
}

/**
 * Both cases (bench/TLS.md, "How the bench measures now"): `reps` sets of fresh servers, each
 * server measured in `rounds` rounds; the ratio to raw node:tls is taken within each round and its
 * median reported. The handshakes' rounds are taken in turns, so that what the machine is doing
 * (other processes, the client's share of the cores) weighs on the three servers alike; the bulk
 * echo's in one block per server (see schedule()).
 */
export async function run_tls(opts: { smoke: boolean; quick: boolean; reps: number; rounds?: number; bulk_turns?: boolean; hs_sequential?: boolean; detail?: boolean; bulk_warmup?: number; hs_warmup?: number }): Promise<void> {
  const mib = opts.smoke ? 2 : opts.quick ? 16 : 128;
  const n = opts.smoke ? 20 : opts.quick ? 300 : 1000;
  // Warm-up before measuring, the same for every server: V8 compiles this package's code (far more
  // JavaScript than raw node:tls runs) over the first hundreds of handshakes, and over the first
  // 64 MiB (raw node:tls) to 256 MiB (this package) of a bulk transfer, which makes few calls per
  // MiB: between MiB 128 and 256 this package's server still completed 34 TurboFan compilations
  // (raw node:tls 2), after 256 at most 6 per 128 MiB (bench/TLS.md, 2026-12-07 and "issue12-tls-pm").
  const bulk_warmup = opts.bulk_warmup ?? (opts.smoke ? 1 : opts.quick ? 32 : 256);
  const hs_warmup = opts.hs_warmup ?? (opts.smoke ? 20 : 500);
  // `mib` and `n` per server and set, in rounds of 16 MiB and 125 handshakes (at least 20 ms of CPU each).
  const rounds = opts.rounds ?? (opts.smoke ? 2 : Math.max(2, Math.round(mib / 16)));
  const window = Math.max(1, Math.round(mib / rounds));
  const hs_window = Math.max(1, Math.round(n / rounds));
  // Each turn's unmeasured lead-in, a whole window for bulk (bench/TLS.md, "How the bench measures"), a fifth of one for handshakes.
  const lead = opts.smoke ? 1 : window;
  // Bulk: each server's rounds in one block (taking turns raised this package's bulk ratio by about
  // a sixth, raw node:tls's figure unchanged: bench/TLS.md); handshakes: turns.
  const bulk_seq = !(opts.bulk_turns ?? false);
  const hs_seq = opts.hs_sequential ?? false;
  const hs_lead = Math.max(1, Math.round(hs_window / 5));
  const bulk: Round[] = [];
  const bulk_faults: Round[] = [];
  const hs_cpu: Round[] = [];
  const hs_rate: Round[] = [];
  for (let rep = 0; rep < opts.reps; rep++) {
    const [cpu_mib, faults_mib] = await bulk_rounds(rep, rounds, window, lead, bulk_warmup, bulk_seq);
    bulk.push(...cpu_mib);
    bulk_faults.push(...faults_mib);
    const [cpu, rate] = await handshake_rounds(rep, rounds, hs_window, hs_lead, hs_warmup, hs_seq);
    hs_cpu.push(...cpu);
    hs_rate.push(...rate);
  }
  console.log(
    `TLS (${opts.reps} set(s) of servers × ${rounds} rounds): bulk ${window} MiB per round after a ${lead} MiB lead-in, on one connection ` +
      `each, after ${bulk_warmup} MiB, ${bulk_seq ? "each server's rounds in one block" : "servers taking turns"}; ${hs_window} full handshakes ` +
      `per round after ${hs_lead}, 4 at a time, after ${hs_warmup}, ${hs_seq ? "each server's rounds in one block" : "servers taking turns"}; ` +
      `server CPU (all threads) from /proc; medians`,
  );
  if (opts.detail) {
    for (const [name, rows] of [["bulk, ms CPU/MiB", bulk], ["bulk, minor faults/MiB", bulk_faults], ["handshakes, ms CPU each", hs_cpu]] as const) {
      const cell = (r: Round) => IMPLS.map((i) => r.get(i)!.toFixed(2)).join("/");
      console.log(`rounds (${name}, ${IMPLS.join("/")}): ${rows.map(cell).join("  ")}`);
    }
  }
  report("TLS bulk echo", "ms CPU/MiB", bulk, true);
  report("TLS bulk echo", "minor faults/MiB", bulk_faults, false);
  report("TLS handshakes", "ms CPU/handshake", hs_cpu, true);
  report("TLS handshakes", "handshakes/s", hs_rate, false);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flag = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const quick = process.argv.includes("--quick");
  const smoke = process.argv.includes("--smoke");
  const num = (name: string): number | undefined => (flag(name) === undefined ? undefined : Number(flag(name)));
  await run_tls({
    smoke,
    quick,
    reps: Number(flag("--reps") ?? (quick || smoke ? 1 : 3)),
    rounds: num("--rounds"),
    bulk_turns: process.argv.includes("--bulk-turns"),
    hs_sequential: process.argv.includes("--hs-sequential"),
    detail: process.argv.includes("--detail"),
    bulk_warmup: num("--bulk-warmup"),
    hs_warmup: num("--hs-warmup"),
  });
}
