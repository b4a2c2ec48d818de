// Test helpers for multi-process servers: a free port, a pid asked of a server, and waiting for processes to be gone.
import * as net from "node:net";
import { with_timeout } from "./clients.js";

/**
 * A TCP port free on every address right now (a Node server bound to port 0 of every address,
 * then closed): for servers that cannot use port 0, such as workers binding with SO_REUSEPORT.
 */
export function free_port(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen({ port: 0, exclusive: true }, () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
}

/** Connect to 127.0.0.1:`port` and read the pid the server answers with (test/helpers/pid_server.ts). */
export function ask_pid(port: number, timeout = 5000): Promise<number> {
  return with_timeout(
    new Promise<number>((resolve, reject) => {
      let text = "";
      const c = net.connect({ host: "127.0.0.1", port });
      c.setEncoding("utf8");
      c.on("error", reject);
      c.on("data", (s: string) => (text += s));
      c.on("close", () => {
        const pid = Number(text.trim());
        if (Number.isInteger(pid) && pid > 0) resolve(pid);
        else reject(new Error(`no pid in ${JSON.stringify(text)}`));
      });
    }),
    timeout,
    `a pid from port ${port}`,
  );
}

/**
 * Connect again and again until `count` distinct pids have answered, or `timeout` ms have
 * passed; a refused connection (a worker whose bind is not complete yet) is tried again.
 * Returns every pid seen, one per connection.
 */
export async function pids_until(port: number, count: number, timeout: number): Promise<number[]> {
  const deadline = performance.now() + timeout;
  const seen: number[] = [];
  let last: unknown = null;
  while (new Set(seen).size < count) {
    const left = deadline - performance.now();
    if (left <= 0) {
      throw new Error(`only pids ${JSON.stringify([...new Set(seen)])} answered in ${timeout} ms (${seen.length} connections; last error: ${String(last)})`);
    }
    try {
      seen.push(await ask_pid(port, left));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ECONNREFUSED") throw e;
      last = e;
      // A bind still in progress (the cluster's primary binds for its workers): wait for it a little.
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  return seen;
}

/** Whether a process with this pid exists (signal 0 tests without sending). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Resolve once none of `pids` exists; reject after `timeout` ms naming those left. */
export async function gone(pids: readonly number[], timeout = 5000): Promise<void> {
  const deadline = performance.now() + timeout;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0) return;
    if (performance.now() > deadline) throw new Error(`processes still running after ${timeout} ms: ${left.join(", ")}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
