// TLS bench (`npm run bench -- tls`): server CPU per MiB of TLS bulk echo and per full handshake, asyncore-ts/ssl beside a raw node:tls server.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TLSSocket } from "node:tls";
import { tls_bulk, tls_open } from "./tls_client.js";

const here = dirname(fileURLToPath(import.meta.url));
const TICK_US = 1e6 / 100;

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

function cpu_us(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * TICK_US;
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

async function bulk_case(impl: Impl, mib: number, warmup: number): Promise<TlsRow> {
  const srv = await start(impl);
  try {
    const c = await tls_open(srv.port);
    await tls_bulk(c, warmup);
    c.removeAllListeners("data");
    const before = cpu_us(srv.proc.pid!);
    await tls_bulk(c, mib);
    const cpu = cpu_us(srv.proc.pid!) - before;
    c.destroy();
    return { case: "TLS bulk echo", impl: label(impl), value: cpu / 1000 / mib, unit: "ms CPU/MiB" };
  } finally {
    srv.proc.kill();
  }
}

/** `n` full handshakes, `conc` at a time, each connection closed once secure (no session reuse). */
async function handshake_case(impl: Impl, n: number, conc: number, warmup: number): Promise<TlsRow[]> {
  const srv = await start(impl);
  try {
    const one = async (): Promise<void> => {
      const c = await tls_open(srv.port);
      c.end();
      await new Promise((r) => c.once("close", r));
    };
    for (let i = 0; i < warmup; i++) await one();
    const before = cpu_us(srv.proc.pid!);
    const t0 = performance.now();
    let left = n;
    await Promise.all(
      Array.from({ length: conc }, async () => {
        while (left-- > 0) await one();
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const cpu = cpu_us(srv.proc.pid!) - before;
    return [
      { case: "TLS handshakes", impl: label(impl), value: (cpu / 1000) / n, unit: "ms CPU/handshake" },
      { case: "TLS handshakes", impl: label(impl), value: n / secs, unit: "handshakes/s" },
    ];
  } finally {
    srv.proc.kill();
  }
}

function print(r: TlsRow, note = ""): void {
  console.log(`${r.case.padEnd(24)} ${r.impl.padEnd(28)} ${r.value.toFixed(3).padStart(10)} ${r.unit}${note}`);
}

/** Runs both cases, each implementation `reps` times interleaved; prints medians and the ratios to raw node:tls. */
export async function run_tls(opts: { smoke: boolean; quick: boolean; reps: number; bulk_warmup?: number; hs_warmup?: number }): Promise<void> {
  const mib = opts.smoke ? 2 : opts.quick ? 16 : 128;
  const n = opts.smoke ? 20 : opts.quick ? 300 : 1000;
  // Warm-up before measuring, the same for every server: V8 compiles this package's code (far more
  // JavaScript than raw node:tls runs) over the first hundreds of handshakes, and over the first
  // 64 MiB (raw node:tls) to 256 MiB (this package) of a bulk transfer, which makes few calls per
  // MiB: between MiB 128 and 256 this package's server still completed 34 TurboFan compilations
  // (raw node:tls 2), after 256 at most 6 per 128 MiB (bench/TLS.md, 2026-12-07 and "issue12-tls-pm").
  // 128 MiB measured: 10 ms ticks resolve it to about 5 %.
  const bulk_warmup = opts.bulk_warmup ?? (opts.smoke ? 1 : opts.quick ? 32 : 256);
  const hs_warmup = opts.hs_warmup ?? (opts.smoke ? 20 : 500);
  const impls: Impl[] = ["node", "select", "poll"];
  const med = (rows: TlsRow[]): TlsRow => rows.sort((a, b) => a.value - b.value)[Math.floor(rows.length / 2)]!;
  const bulk_rows = new Map<Impl, TlsRow[]>();
  const hs_cpu = new Map<Impl, TlsRow[]>();
  const hs_rate = new Map<Impl, TlsRow[]>();
  for (let r = 0; r < opts.reps; r++) {
    for (const impl of impls) {
      (bulk_rows.get(impl) ?? bulk_rows.set(impl, []).get(impl)!).push(await bulk_case(impl, mib, bulk_warmup));
      const [cpu, rate] = await handshake_case(impl, n, 4, hs_warmup);
      (hs_cpu.get(impl) ?? hs_cpu.set(impl, []).get(impl)!).push(cpu!);
      (hs_rate.get(impl) ?? hs_rate.set(impl, []).get(impl)!).push(rate!);
    }
  }
  console.log(
    `TLS (median of ${opts.reps}): ${mib} MiB echoed on one connection after ${bulk_warmup} MiB; ${n} full handshakes, 4 at a time, ` +
      `after ${hs_warmup}; server CPU from /proc`,
  );
  for (const table of [bulk_rows, hs_cpu, hs_rate]) {
    const base = med(table.get("node")!);
    print(base);
    for (const impl of ["select", "poll"] as const) {
      const row = med(table.get(impl)!);
      print(row, `  [${(row.value / base.value).toFixed(2)}× raw node:tls]`);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flag = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const quick = process.argv.includes("--quick");
  const smoke = process.argv.includes("--smoke");
  const num = (name: string): number | undefined => (flag(name) === undefined ? undefined : Number(flag(name)));
  await run_tls({ smoke, quick, reps: Number(flag("--reps") ?? (quick || smoke ? 1 : 3)), bulk_warmup: num("--bulk-warmup"), hs_warmup: num("--hs-warmup") });
}
