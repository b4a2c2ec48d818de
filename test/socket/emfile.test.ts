// Out of descriptors (EMFILE) in a child under `ulimit -n 64`: the listener keeps serving, and says once per burst that it drops connections.
import { expect } from "chai";
import { connect, type Socket as NodeSocket } from "node:net";
import { fileURLToPath } from "node:url";
import { Child, with_timeout } from "../helpers/clients.js";

const FIXTURE = fileURLToPath(new URL("../helpers/emfile_server.js", import.meta.url));
/** More clients than 64 descriptors can hold, with Node's own (about 20) counted. */
const CLIENTS = 80;
const LOGGED = /^error: accept\(\) failed: \[Errno 24\] Too many open files; new connections are closed until descriptors are freed; still listening$/gm;

/** CLIENTS connections; resolves when each was either accepted (the child's count) or closed by the server (`ended`). */
async function burst(child: Child, port: number, conns: NodeSocket[], accepted_before: number): Promise<{ accepted: number; ended: number }> {
  let ended = 0;
  const settled = CLIENTS + accepted_before;
  await Promise.all(
    Array.from({ length: CLIENTS }, () => new Promise<void>((resolve, reject) => {
      const c = connect({ host: "127.0.0.1", port });
      conns.push(c);
      c.resume();
      // Before the test destroys it, a close (EOF or reset) is the server's doing.
      c.on("error", () => undefined);
      c.once("close", () => ended++);
      c.once("connect", () => {
        c.off("error", reject);
        resolve();
      });
      c.once("error", reject);
    })),
  );
  const accepted = (): number => Number([...child.stdout.matchAll(/^accepted (\d+)$/gm)].pop()?.[1] ?? 0);
  await with_timeout(
    new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (accepted() + ended >= settled) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    }),
    10000,
    "every client accepted or closed",
  );
  return { accepted: accepted() - accepted_before, ended };
}

describe("socket: out of descriptors (EMFILE)", function () {
  this.timeout(30000);
  let child: Child | null = null;
  const conns: NodeSocket[] = [];
  afterEach(async () => {
    for (const c of conns.splice(0)) c.destroy();
    if (child) {
      child.kill();
      await child.done;
      child = null;
    }
  });

  it("the listener keeps serving, logs once per burst of dropped connections, and serves again once descriptors are freed", async () => {
    child = new Child("sh", ["-c", `ulimit -n 64; exec "${process.execPath}" "${FIXTURE}"`]);
    const out = await child.wait_stdout((s) => /^port \d+$/m.test(s), 10000, "port");
    const port = Number(/^port (\d+)$/m.exec(out)![1]);

    const first = await burst(child, port, conns, 0);
    expect(first.ended, "clients closed by the server").to.be.greaterThan(0);
    expect(first.accepted + first.ended).to.equal(CLIENTS);
    expect(child.stdout.match(LOGGED)).to.have.length(1);

    child.write("release\n");
    await child.wait_stdout((s) => /^released \d+$/m.test(s), 5000, "released");
    for (const c of conns.splice(0)) c.destroy();

    const second = await burst(child, port, conns, first.accepted);
    expect(second.accepted).to.be.greaterThan(0);
    expect(second.accepted + second.ended).to.equal(CLIENTS);
    expect(child.stdout.match(LOGGED)).to.have.length(2);
  });
});
