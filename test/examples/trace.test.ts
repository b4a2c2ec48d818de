// `npm run trace -- echo`: the printed timeline is the same on every run, apart from timings and
// ports, also when the kernel orders a connection's two ends the other way round.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const script = join(here, "..", "..", "examples", "trace.js");
/** Preloaded, it makes each client see its connect complete before the server sees the connection. */
const connect_first = join(here, "..", "helpers", "connect_first.js");

async function trace(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [script, ...args], { timeout: 15000 });
  return stdout;
}

/** The trace with the kernel's other order of a connection's two ends (test/helpers/connect_first.ts). */
async function trace_connect_first(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", connect_first, script, ...args], { timeout: 15000 });
  return stdout;
}

/** Masks what legitimately varies between runs: wait times and port numbers. */
function mask(text: string): string {
  return text.replace(/after \d+\.\d+ ms/g, "after <t> ms").replace(/(127\.0\.0\.1|::1):\d+/g, "$1:<port>");
}

for (const mode of ["select", "poll"] as const) {
  describe(`trace of the echo session (${mode} loop)`, () => {
    const args = mode === "poll" ? ["echo", "--poll"] : ["echo"];

    it("prints the same timeline twice once timings and ports are masked", async () => {
      const [a, b] = [await trace(...args), await trace(...args)];
      expect(mask(a)).to.equal(mask(b));
    });

    it("prints the same timeline when the client sees its connect complete before the server sees the connection", async () => {
      const [a, b] = [await trace(...args), await trace_connect_first(...args)];
      expect(mask(b)).to.equal(mask(a));
    });

    it("shows the accept, both round trips and the closing, one block per iteration", async () => {
      const out = mask(await trace(...args));
      const heading = mode === "poll" ? "poll()" : "select()";
      const blocks = out.split("\n").filter((l) => l.startsWith("── #"));
      expect(blocks.length).to.be.greaterThan(3);
      expect(blocks.every((l) => l.includes(heading))).to.equal(true);
      expect(out).to.match(/run {7}3 EchoServer\.\S+.* → accept 127\.0\.0\.1:<port>/);
      expect(out.match(/EchoHandler\.\S+.* → recv 6 B, send 6 B/g)).to.have.length(2);
      expect(out).to.match(/EchoHandler\.\S+.* → recv 0 B, close/);
      expect(out).to.match(new RegExp(`map empty after ${blocks.length} iterations`));
    });
  });
}

for (const example of ["http", "chat"] as const) {
  describe(`trace of the ${example} session`, () => {
    for (const args of [[example], [example, "--poll"]]) {
      it(`prints the same timeline twice (${args.join(" ")})`, async () => {
        const [a, b] = [await trace(...args), await trace(...args)];
        expect(mask(a)).to.equal(mask(b));
        expect(a).to.match(/map empty after \d+ iterations/);
      });

      it(`prints the same timeline when each client sees its connect complete before the server sees the connection (${args.join(" ")})`, async () => {
        const [a, b] = [await trace(...args), await trace_connect_first(...args)];
        expect(mask(b)).to.equal(mask(a));
      });
    }

    it("shows the server accepting and its handlers closing", async () => {
      const out = mask(await trace(example));
      expect(out).to.match(/ → accept 127\.0\.0\.1:<port>/);
      expect(out).to.match(new RegExp(`${example === "http" ? "http_request_handler" : "ChatChannel"}\\.\\S+ → .*close`));
    });
  });
}
