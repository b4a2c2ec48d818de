// Test helpers for multi-process servers: a free port, a pid asked of a server, and waiting for processes to be gone.
import * as net from "node:net";
import { with_timeout, type Child } from "./clients.js";

/** Listen on `port` (0: any) of every address, then close: the port, or null if it was taken. */
function probe(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.on("error", () => resolve(null));
    s.listen({ port, exclusive: true }, () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
}

/**
 * A TCP port free on every address right now, and the `count` - 1 ports after it too: for
 * servers that cannot use port 0, such as workers binding with SO_REUSEPORT.
 */
export async function free_port(count = 1): Promise<number> {
  // Below Linux's ephemeral range (32768–60999), where clients' connect() does not take ports
  // meanwhile: a run of several free ports stays free there on a busy machine.
  for (let tries = 0; tries < 50; tries++) {
    const port = 20000 + Math.floor(Math.random() * (32768 - 20000 - count));
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = (await probe(port + i)) !== null;
    if (ok) return port;
  }
  throw new Error(`no ${count} free port(s) in a row found`);
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
 * `f()`, tried again while it fails with ECONNREFUSED, until `timeout` ms have passed. Under
 * node:cluster sharing the primary binds for a worker after the worker's bind() returned, and
 * nothing outside the worker sees when: the first connections may be refused.
 */
export async function retry_refused<T>(f: () => Promise<T>, timeout = 10000): Promise<T> {
  const deadline = performance.now() + timeout;
  for (;;) {
    try {
      return await f();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ECONNREFUSED" || performance.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/**
 * Connect again and again until `count` distinct pids have answered, or `timeout` ms have
 * passed (refused connections tried again, see retry_refused). Every pid seen, one per connection.
 */
export async function pids_until(port: number, count: number, timeout: number): Promise<number[]> {
  const deadline = performance.now() + timeout;
  const seen: number[] = [];
  while (new Set(seen).size < count) {
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`only pids ${JSON.stringify([...new Set(seen)])} answered in ${timeout} ms (${seen.length} connections)`);
    seen.push(await retry_refused(() => ask_pid(port, left), left));
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

/**
 * Wait until `child` has printed `count` lines matching `ready` (flags g and m, group 1 a pid):
 * the pids, in order. For example servers run with --workers.
 */
export async function pids_printed(child: Child, ready: RegExp, count: number, timeout = 10000): Promise<number[]> {
  const pids = (): number[] => [...child.stdout.matchAll(ready)].map((m) => Number(m[1]));
  await child.wait_stdout(() => pids().length >= count, timeout, `${count} lines like ${ready}`);
  return pids();
}
