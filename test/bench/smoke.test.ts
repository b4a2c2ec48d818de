// `npm run bench -- --smoke`: every bench case runs once at tiny sizes, so the bench cannot rot (no thresholds).
import { expect } from "chai";
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const run_js = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bench", "run.js");

describe("bench smoke run", function () {
  // A set starts each row's five servers; under the load of the other sessions the run took 13–30 s.
  this.timeout(120_000);

  it("runs every case of the issue's table for both loops, prints a row for each with its ratio to raw Node, and the load average", async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, [run_js, "--smoke"], { stdio: ["ignore", "pipe", "pipe"] });
      let text = "";
      let err = "";
      p.stdout.on("data", (d: Buffer) => (text += d.toString()));
      p.stderr.on("data", (d: Buffer) => (err += d.toString()));
      p.on("error", reject);
      p.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`bench exited ${code}: ${err}`))));
    });
    for (const c of ["lines: 4 conns", "pipeline: 16 lines", "bulk echo", "connect + 1 line + close", "idle connections"]) {
      for (const impl of ["raw Node net", "asyncore-ts (select)", "asyncore-ts (poll)"]) {
        expect(out.split("\n").some((l) => l.includes(c) && l.includes(impl)), `${c} / ${impl}`).to.equal(true);
      }
      // asyncore-ts's rows carry the median and range of their ratio to raw Node, taken round by round.
      for (const impl of ["asyncore-ts (select)", "asyncore-ts (poll)"]) {
        const line = out.split("\n").find((l) => l.includes(c) && l.includes(impl)) ?? "";
        expect(line, `${c} / ${impl}`).to.match(/\[\d+\.\d\d× raw Node \(\d+\.\d\d–\d+\.\d\d\)/);
      }
    }
    // The machine's load average, printed at the start and at the end.
    expect(out).to.match(/^load average at start: [\d.]+ [\d.]+ [\d.]+$/m);
    expect(out).to.match(/^load average at end: [\d.]+ [\d.]+ [\d.]+$/m);
  });
});
