// Short form of the retention stress program: closed connections are released at once (issue 9, item 3).
import { expect } from "chai";
import type { Sample } from "./probe.js";
import { run_stress } from "./run_child.js";

interface Report {
  readonly start: Sample;
  readonly end: Sample;
}

describe("stress: retention of closed connections", function () {
  this.timeout(30_000);

  it("1,000 short connections: heap after GC back within 1 MiB of the start, no descriptor left", async () => {
    // Before the fix each closed connection stayed ~2 KB for 60 s: +2 MiB here.
    const r = await run_stress<Report>("retention.js", [1000, 50], 25_000);
    expect(r.end.heap_mib - r.start.heap_mib, JSON.stringify(r)).to.be.below(1);
    expect(r.end.fds).to.equal(r.start.fds);
    expect(r.end.os_fds).to.equal(r.start.os_fds);
    expect(r.end.map).to.equal(r.start.map);
  });
});
