// `npm run soak`: the long forms of the stress programs, one child each, every report checked; exits 1 if any failed.
import {
  check_emfile, check_retention, check_slow_reader, check_soak, type Check,
} from "./checks.js";
import { run_stress } from "./run_child.js";

interface Run {
  readonly name: string;
  readonly program: string;
  readonly args: readonly (string | number)[];
  readonly shell?: string;
  readonly timeout_s: number;
  readonly check: (r: never) => string[];
}

/** Heap after GC within 10 % of the start (issue 9's "done when"). */
const ten_percent = <R extends { start: { heap_mib: number } }>(c: Check<R>) => (r: R): string[] => c(r, r.start.heap_mib * 0.1);

const RUNS: readonly Run[] = [
  { name: "soak: 500 clients, 60 s, random sizes and endings", program: "soak.js", args: ["--clients", 500, "--seconds", 60], timeout_s: 150, check: ten_percent(check_soak) },
  { name: "reset storm: 1,000 clients resetting, 20 s", program: "soak.js", args: ["--clients", 1000, "--seconds", 20, "--endings", "reset", "--max-size", 65536], timeout_s: 90, check: ten_percent(check_soak) },
  { name: "slow reader: 1 GiB to a peer stalled for 5 s", program: "slow_reader.js", args: [1024, 5000], timeout_s: 180, check: (r) => check_slow_reader(64)(r, 0) },
  { name: "EMFILE: ulimit -n 64, 20 storms of 1,000 clients", program: "emfile.js", args: [1000, 20], shell: "ulimit -n 64;", timeout_s: 60, check: ten_percent(check_emfile) },
  { name: "retention: 20,000 short connections", program: "retention.js", args: [20000, 100], timeout_s: 120, check: (r) => check_retention(r, 1) },
];

const only = process.argv.slice(2);
let failed = 0;
for (const run of RUNS) {
  if (only.length && !only.some((w) => run.name.startsWith(w))) continue;
  const t0 = Date.now();
  try {
    const report = await run_stress<never>(run.program, run.args, run.timeout_s * 1000, run.shell);
    const problems = run.check(report);
    console.log(`${problems.length ? "FAIL" : "ok  "} ${run.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    console.log(`     ${JSON.stringify(report)}`);
    for (const p of problems) console.log(`     - ${p}`);
    if (problems.length) failed++;
  } catch (err) {
    failed++;
    console.log(`FAIL ${run.name}: ${(err as Error).message}`);
  }
}
process.exitCode = failed ? 1 : 0;
