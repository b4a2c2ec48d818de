// run_workers(): one process with n <= 1, else a supervised primary and n workers accepting on one port.
import cluster from "node:cluster";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import sinon from "sinon";
import * as asyncore from "../../src/asyncore/index.js";
import type * as socket from "../../src/socket/index.js";
import { ENOPROTOOPT, OSError, ValueError } from "../../src/errno/index.js";
import { listener_sharing, reuseport_supported } from "../../src/socket/sharing.js";
import { Child } from "../helpers/clients.js";
import { PidServer } from "../helpers/pid_server.js";
import { alive, ask_pid, free_port, gone, pids_until } from "../helpers/workers.js";

const PID_SERVER = join(dirname(fileURLToPath(import.meta.url)), "..", "helpers", "pid_server.js");
const SHARING: readonly asyncore.WorkerSharing[] = ["reuseport", "cluster"];

describe("run_workers: one worker or fewer runs main in this process", () => {
  let fork: sinon.SinonSpy;
  beforeEach(() => {
    fork = sinon.spy(cluster, "fork");
  });
  afterEach(() => fork.restore());

  for (const n of [1, 0, -3]) {
    it(`n = ${n}: main(0) runs here, nothing is forked, sharing stays off, and the promise is main's`, async () => {
      const map: asyncore.SocketMap = new Map();
      const seen: Array<[number, number, string]> = [];
      await asyncore.run_workers(n, async (index) => {
        seen.push([index, process.pid, listener_sharing()]);
        const server = new PidServer(0, false, map);
        const port = ((server.socket as socket.socket).getsockname() as [string, number])[1];
        const looping = asyncore.loop({ timeout: 1, map });
        expect(await ask_pid(port)).to.equal(process.pid);
        server.close();
        await looping;
      });
      expect(seen).to.deep.equal([[0, process.pid, "none"]]);
      expect(fork.callCount).to.equal(0);
      expect(map.size).to.equal(0);
    });
  }

  it("main's rejection is run_workers' rejection", async () => {
    const boom = new Error("boom");
    let caught: unknown = null;
    await asyncore.run_workers(1, () => Promise.reject(boom)).catch((e: unknown) => (caught = e));
    expect(caught).to.equal(boom);
  });
});

describe("run_workers: the primary refuses what it cannot do, before forking", () => {
  let fork: sinon.SinonSpy;
  beforeEach(() => {
    fork = sinon.spy(cluster, "fork");
  });
  afterEach(() => fork.restore());

  async function refusal(f: () => Promise<void>): Promise<unknown> {
    try {
      await f();
    } catch (e) {
      return e;
    }
    throw new Error("expected run_workers to reject");
  }

  it("a count that is not an integer: TypeError", async () => {
    const e = await refusal(() => asyncore.run_workers(1.5, () => undefined));
    expect(e).to.be.instanceOf(TypeError);
    expect((e as TypeError).message).to.equal("'float' object cannot be interpreted as an integer");
    expect(fork.callCount).to.equal(0);
  });

  it("an unknown sharing: ValueError", async () => {
    const e = await refusal(() => asyncore.run_workers(2, () => undefined, { sharing: "fork" as asyncore.WorkerSharing }));
    expect(e).to.be.instanceOf(ValueError);
    expect(fork.callCount).to.equal(0);
  });

  it(`sharing "reuseport" on a Node before 22.12: OSError ENOPROTOOPT naming 22.12`, async function () {
    if (reuseport_supported()) this.skip(); // there it forks: the multi-process tests below
    const e = await refusal(() => asyncore.run_workers(2, () => undefined, { sharing: "reuseport" }));
    expect(e).to.be.instanceOf(OSError);
    expect((e as OSError).errno).to.equal(ENOPROTOOPT);
    expect((e as OSError).message).to.contain("22.12");
    expect(fork.callCount).to.equal(0);
  });
});

/** The pid server run by run_workers(2) in a primary of its own; its pids as it prints them. */
class Cluster {
  readonly child: Child;
  constructor(readonly port: number, args: readonly string[]) {
    // A process group of its own, as a shell gives a job: Ctrl-C can be sent to all of it.
    this.child = new Child(process.execPath, [PID_SERVER, String(port), "--workers", "2", ...args], { detached: true });
  }

  get primary(): number {
    return this.child.proc.pid!;
  }

  /** Every worker pid the program has printed ("worker I pid P"), in order. */
  worker_pids(): number[] {
    return [...this.child.stdout.matchAll(/^worker \d+ pid (\d+)$/gm)].map((m) => Number(m[1]));
  }

  /** Wait until `count` workers have said they serve; their pids. */
  async workers(count: number): Promise<number[]> {
    await this.child.wait_stdout(() => this.worker_pids().length >= count, 10000, `${count} workers serving`);
    return this.worker_pids();
  }

  /** Wait for a line matching `re` in the output. */
  async line(re: RegExp, what: string): Promise<void> {
    await this.child.wait_stdout((s) => re.test(s), 10000, what);
  }
}

for (const sharing of SHARING) {
  describe(`run_workers: 2 workers sharing one port (${sharing})`, function () {
    this.timeout(30000);
    let c: Cluster | null = null;

    beforeEach(function () {
      // Without Node's reusePort the primary refuses: the test above.
      if (sharing === "reuseport" && !reuseport_supported()) this.skip();
    });

    afterEach(async () => {
      if (c === null) return;
      const pids = c.worker_pids();
      c.child.kill();
      await c.child.done;
      // Workers see their primary's channel close and exit; a straggler is killed.
      try {
        await gone(pids, 5000);
      } finally {
        for (const pid of pids.filter(alive)) process.kill(pid, "SIGKILL");
        c = null;
      }
    });

    async function start(...args: string[]): Promise<Cluster> {
      c = new Cluster(await free_port(), ["--sharing", sharing, ...args]);
      return c;
    }

    it("connections land on both workers, each its own process", async () => {
      const k = await start();
      const workers = await k.workers(2);
      expect(new Set(workers).size).to.equal(2);
      expect(workers).to.not.include(k.primary);
      const seen = await pids_until(k.port, 2, 10000);
      expect([...new Set(seen)].sort()).to.deep.equal([...workers].sort());
      await k.line(new RegExp(`^info: worker 0 started \\(pid \\d+, ${sharing}\\)$`, "m"), "the primary's log of the start");
    });

    it("a worker killed with SIGKILL is logged; the other keeps serving and the primary stays up", async () => {
      const k = await start();
      const [first, second] = await k.workers(2);
      await pids_until(k.port, 2, 10000);
      process.kill(first!, "SIGKILL");
      await k.line(new RegExp(`^warning: worker \\d \\(pid ${first}\\) died \\(killed by SIGKILL\\); 1 still running$`, "m"), "the death logged");
      for (let i = 0; i < 10; i++) expect(await ask_pid(k.port)).to.equal(second);
      expect(k.child.exited).to.equal(null);
      expect(alive(k.primary)).to.equal(true);
      // Stopped now, the primary reports the death it did not repair in its exit status.
      k.child.proc.kill("SIGTERM");
      const r = await k.child.done;
      expect([r.code, r.signal]).to.deep.equal([1, null]);
      expect(r.stdout).to.match(/^primary done$/m);
    });

    it("SIGTERM to the primary stops every worker; run_workers returns and the primary exits 0", async () => {
      const k = await start();
      const workers = await k.workers(2);
      await pids_until(k.port, 2, 10000);
      k.child.proc.kill("SIGTERM");
      const r = await k.child.done;
      expect([r.code, r.signal]).to.deep.equal([0, null]);
      expect(r.stdout).to.match(/^info: SIGTERM: stopping 2 worker\(s\)$/m);
      for (const pid of workers) expect(r.stdout).to.match(new RegExp(`^info: worker \\d \\(pid ${pid}\\) stopped \\(killed by SIGTERM\\)$`, "m"));
      expect(r.stdout).to.match(/^primary done$/m);
      // The primary saw every worker's exit before returning: none of them is left.
      expect([k.primary, ...workers].filter(alive)).to.deep.equal([]);
    });

    it("Ctrl-C (SIGINT to the whole process group) stops every worker through the primary: no death, exit 0", async () => {
      const k = await start("--restart");
      const workers = await k.workers(2);
      await pids_until(k.port, 2, 10000);
      process.kill(-k.primary, "SIGINT");
      const r = await k.child.done;
      expect([r.code, r.signal]).to.deep.equal([0, null]);
      expect(r.stdout).to.match(/^info: SIGINT: stopping 2 worker\(s\)$/m);
      expect(r.stdout).to.not.match(/died/);
      expect(r.stdout.match(/started/g)).to.have.length(2);
      expect([k.primary, ...workers].filter(alive)).to.deep.equal([]);
    });

    it("with restart, a worker that died is replaced and the new one serves", async () => {
      const k = await start("--restart");
      const [first, second] = await k.workers(2);
      await pids_until(k.port, 2, 10000);
      process.kill(first!, "SIGKILL");
      const all = await k.workers(3);
      const third = all[2]!;
      expect([first, second]).to.not.include(third);
      expect(k.child.stdout).to.match(new RegExp(`^warning: worker \\d \\(pid ${first}\\) died \\(killed by SIGKILL\\); starting another$`, "m"));
      const seen = await pids_until(k.port, 2, 10000);
      expect(seen).to.include(third);
      expect(seen).to.not.include(first);
    });
  });
}

describe("run_workers: the default sharing", function () {
  this.timeout(30000);
  let child: Child | null = null;
  afterEach(async () => {
    child?.kill();
    await child?.done;
    child = null;
  });

  it(`is "reuseport" where Node has reusePort (22.12+), else "cluster"`, async () => {
    const port = await free_port();
    child = new Child(process.execPath, [PID_SERVER, String(port), "--workers", "2"]);
    const want = reuseport_supported() ? "reuseport" : "cluster";
    await child.wait_stdout((s) => /^worker \d+ pid \d+$/m.test(s), 10000, "a worker serving");
    expect(child.stdout).to.match(new RegExp(`^info: worker \\d started \\(pid \\d+, ${want}\\)$`, "m"));
    child.proc.kill("SIGTERM");
    expect((await child.done).code).to.equal(0);
  });
});

describe("run_workers: workers that end by themselves", function () {
  this.timeout(30000);
  let child: Child | null = null;
  afterEach(async () => {
    child?.kill();
    await child?.done;
    child = null;
  });

  function run(...args: string[]): Child {
    // No server is bound: the port is never used.
    child = new Child(process.execPath, [PID_SERVER, "1", "--workers", "2", ...args]);
    return child;
  }

  it("a worker whose main returned lets go of the primary and exits 0; the primary returns when both have, exit status 0", async () => {
    const r = await run("--return", "--restart").done;
    expect([r.code, r.signal]).to.deep.equal([0, null]);
    expect(r.stdout.match(/^info: worker \d \(pid \d+\) finished$/gm)).to.have.length(2);
    // Finished is not died: nothing was restarted.
    expect(r.stdout.match(/started/g)).to.have.length(2);
    expect(r.stdout).to.match(/^primary done$/m);
  });

  it("a worker whose main threw dies with its error; the others' deaths do not stop the primary until all are gone, exit status 1", async () => {
    const r = await run("--fail").done;
    expect([r.code, r.signal]).to.deep.equal([1, null]);
    expect(r.stdout.match(/^warning: worker \d \(pid \d+\) died \(exit code 1\); [01] still running$/gm)).to.have.length(2);
    expect(r.stderr).to.contain("worker 0 failing on purpose");
    expect(r.stderr).to.contain("worker 1 failing on purpose");
    expect(r.stdout).to.match(/^primary done$/m);
  });
});
