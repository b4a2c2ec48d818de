// A UDP socket in a node:cluster worker is the worker's own: bound at once, as in any process (run_workers' workers have them).
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "chai";

const WORKER = fileURLToPath(new URL("../helpers/udp_in_worker.js", import.meta.url));

describe("socket: UDP in a cluster worker", () => {
  it("binds synchronously to the address asked and receives its own datagram", async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [WORKER], { timeout: 10000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    const seen = JSON.parse(out.trim()) as { host: string; port: number; data: string };
    expect(seen.host).to.equal("127.0.0.1");
    expect(seen.port).to.be.within(1, 65535);
    expect(seen.data).to.equal("ping");
  });
});
