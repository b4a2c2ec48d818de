// Short forms of the stress programs (the long forms: npm run soak): soak, reset storm, slow reader, EMFILE.
import { expect } from "chai";
import {
  check_emfile, check_slow_reader, check_soak,
  type EmfileReport, type SlowReaderReport, type SoakReport,
} from "./checks.js";
import { run_stress } from "./run_child.js";

describe("stress: short forms", function () {
  this.timeout(30_000);

  it("soak: 20 clients for 1.5 s (after 0.5 s of warm-up), random sizes, FIN or reset at random points: every byte checked, nothing left", async () => {
    const r = await run_stress<SoakReport>("soak.js", ["--clients", 20, "--seconds", 1.5, "--max-size", 131072], 25_000);
    expect(check_soak(r, 2), JSON.stringify(r)).to.deep.equal([]);
    expect(r.fin).to.be.above(0);
    expect(r.resets).to.be.above(0);
  });

  it("reset storm: 100 clients resetting at random points for 1 s (after 0.5 s of warm-up): the server survives, no fd or map growth", async () => {
    const r = await run_stress<SoakReport>("soak.js", ["--clients", 100, "--seconds", 1, "--endings", "reset", "--max-size", 65536], 25_000);
    expect(check_soak(r, 2), JSON.stringify(r)).to.deep.equal([]);
    expect(r.resets).to.be.above(100);
  });

  it("slow reader: 64 MiB from a producer to a peer that stalls: memory bounded while it stalls, every byte after", async () => {
    const r = await run_stress<SlowReaderReport>("slow_reader.js", [64, 300], 25_000);
    expect(check_slow_reader(32)(r, 0), JSON.stringify(r)).to.deep.equal([]);
  });

  it("EMFILE under ulimit -n 64: the server survives, serves 20 round trips after each storm, leaks nothing", async () => {
    const r = await run_stress<EmfileReport>("emfile.js", [30, 2], 25_000, "ulimit -n 64;");
    expect(check_emfile(r, 2), JSON.stringify(r)).to.deep.equal([]);
  });
});
