// examples/workers_flag: the example servers' --workers N flag, and their refusals, run as programs.
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { check_workers_port, take_workers_flag } from "../../examples/workers_flag.js";
import { Child } from "../helpers/clients.js";

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples");

describe("examples/workers_flag: take_workers_flag", () => {
  it("without the flag: 1 worker and the arguments untouched", () => {
    expect(take_workers_flag(["8080", "9"])).to.deep.equal({ workers: 1, args: ["8080", "9"] });
  });

  it("--workers N and --workers=N anywhere; auto is one per core", () => {
    expect(take_workers_flag(["--workers", "3", "8080"])).to.deep.equal({ workers: 3, args: ["8080"] });
    expect(take_workers_flag(["8080", "--workers=2"])).to.deep.equal({ workers: 2, args: ["8080"] });
    expect(take_workers_flag(["--workers", "auto"])).to.deep.equal({ workers: availableParallelism(), args: [] });
  });

  it("refuses a missing, zero, negative, fractional or non-numeric count", () => {
    for (const argv of [["--workers"], ["--workers", "0"], ["--workers", "-1"], ["--workers=1.5"], ["--workers", "two"], ["--workers", ""]]) {
      expect(() => take_workers_flag(argv), argv.join(" ")).to.throw(Error, /--workers/);
    }
  });
});

describe("examples/workers_flag: check_workers_port", () => {
  it("port 0 is refused for several workers (each would pick its own), accepted for one", () => {
    expect(() => check_workers_port(2, 0)).to.throw(Error, "--workers 2 needs a fixed port, not 0");
    expect(() => check_workers_port(2, 0, "stats port")).to.throw(Error, "needs a fixed stats port");
    check_workers_port(1, 0);
    check_workers_port(2, 8080);
  });
});

describe("examples: a bad --workers is a usage error (exit status 2), before anything binds", function () {
  this.timeout(20000);
  const children: Child[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill();
  });

  for (const [script, args, usage] of [
    ["echo_server.js", ["--workers", "2", "0"], "[port] [--workers N]"],
    ["chat_server.js", ["--workers", "2", "0"], "[port] [stats_port] [--workers N]"],
    ["http_server.js", ["--workers", "2", "0"], "[port] [--workers N]"],
    ["http_server.js", ["--workers", "none"], "[port] [--workers N]"],
  ] as const) {
    it(`${script} ${args.join(" ")}`, async () => {
      const c = new Child(process.execPath, [join(EXAMPLES, script), ...args]);
      children.push(c);
      const r = await c.done;
      expect(r.code).to.equal(2);
      expect(r.stderr).to.contain(`usage: node dist/examples/${script} ${usage}`);
      expect(r.stdout).to.equal("");
    });
  }
});
