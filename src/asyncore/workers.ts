// run_workers(): one server on every core — N pre-forked processes, each with its own map and loop(), accepting on the same ports.
import cluster, { type Worker } from "node:cluster";
import { ValueError } from "../errno/index.js";
import { py_type } from "../socket/bytes.js";
import { check_reuseport, reuseport_supported, set_listener_sharing } from "../socket/sharing.js";

/**
 * How the workers share a listening port:
 * - "reuseport": each worker binds the port itself with SO_REUSEPORT and the kernel spreads the
 *   connections (Node 22.12 or later); bind() stays synchronous;
 * - "cluster": node:cluster's primary holds the listening socket and hands each connection to a
 *   worker in turn (any Node); a worker's bind completes after bind() returns.
 */
export type WorkerSharing = "reuseport" | "cluster";

export interface WorkerOptions {
  /** Default: "reuseport" where Node has it, else "cluster". */
  readonly sharing?: WorkerSharing;
  /**
   * Fork a new worker in place of one that died (exit code other than 0, or a signal), with the
   * same index; one that lived less than a second is replaced after a second, so a worker that
   * cannot start does not make the primary fork in a tight loop. Default false.
   */
  readonly restart?: boolean;
  /** Seconds the workers have to exit after SIGTERM when the primary stops, before SIGKILL. Default 10. */
  readonly stop_timeout?: number;
  /** Where the primary reports workers starting, dying and stopping; default `console.log(\`${type}: ${message}\`)`, as log_info. */
  readonly log?: (message: string, type: string) => void;
}

/** Set by the primary in the workers it forks: the worker's index, and the sharing it chose. */
const INDEX_ENV = "ASYNCORE_TS_WORKER";
const SHARING_ENV = "ASYNCORE_TS_SHARING";

/**
 * Run `main` in `n` worker processes, the way asyncore servers have always used every core:
 * pre-fork N processes, each with its own socket map and loop(), all accepting on one port.
 *
 * The program calls run_workers() on its main path, unconditionally, with `main` creating its
 * dispatchers and awaiting asyncore.loop():
 * - `n` <= 1: `main(0)` runs in this process; nothing is forked and sharing stays off.
 * - In the primary, `n` > 1: forks `n` workers with node:cluster, each running this same script
 *   with the same arguments, and supervises them. A worker that dies is logged (and, with
 *   `restart`, replaced) and the others go on serving. SIGINT or SIGTERM to the primary sends
 *   SIGTERM to every worker (SIGKILL after `stop_timeout`, or at a second signal). The promise
 *   resolves once every worker has exited; if a worker died and was not replaced,
 *   process.exitCode is set to 1 (unless already set), so the program ends with a failure status.
 * - In a worker (the same call, reached again by the forked script): sets this process's listener
 *   sharing, then runs `main(index)`, index 0 … n-1; when `main` settles the worker lets go of
 *   the primary and ends once nothing else keeps it alive; `main`'s rejection is passed on.
 *
 * Limits (PORTING.md, "One server on every core"): a fixed port is needed under "reuseport"
 * (port 0 gives each worker its own port); AF_UNIX paths are not shared (the second worker's
 * bind() fails with EADDRINUSE); under "cluster" a bind completes after bind() returns; each
 * worker has its own state, so anything shared between connections (a chat room) is per worker.
 */
export async function run_workers(n: number, main: (worker: number) => unknown, options: WorkerOptions = {}): Promise<void> {
  if (!Number.isInteger(n)) throw new TypeError(`'${py_type(n)}' object cannot be interpreted as an integer`);
  const index = process.env[INDEX_ENV];
  if (cluster.isWorker && index !== undefined) return run_worker(Number(index), main);
  // A worker of someone else's cluster (or a single process) serves in place.
  if (n <= 1 || !cluster.isPrimary) {
    await main(0);
    return;
  }
  const sharing = options.sharing ?? (reuseport_supported() ? "reuseport" : "cluster");
  if (sharing !== "reuseport" && sharing !== "cluster") throw new ValueError(`unknown sharing ${JSON.stringify(sharing)}`);
  // Fail here, once, rather than in every worker.
  if (sharing === "reuseport") check_reuseport();
  return supervise(n, sharing, options);
}

async function run_worker(index: number, main: (worker: number) => unknown): Promise<void> {
  set_listener_sharing(process.env[SHARING_ENV] === "cluster" ? "cluster" : "reuseport");
  // Processes this worker starts are not workers.
  delete process.env[INDEX_ENV];
  delete process.env[SHARING_ENV];
  // Ctrl-C in a terminal signals the whole process group: the primary stops the workers (SIGTERM),
  // so a worker does not also die of it first and get counted as a death.
  const ignore_sigint = (): void => undefined;
  process.on("SIGINT", ignore_sigint);
  try {
    await main(index);
  } finally {
    process.off("SIGINT", ignore_sigint);
    // The channel to the primary would keep this process alive for ever: let go of it, so the
    // worker ends once its own work (sockets still flushing, timers) is done.
    cluster.worker?.disconnect();
  }
}

function supervise(n: number, sharing: WorkerSharing, options: WorkerOptions): Promise<void> {
  const log = options.log ?? ((message: string, type: string) => console.log(`${type}: ${message}`));
  const grace_ms = (options.stop_timeout ?? 10) * 1000;
  const live = new Set<Worker>();
  const restarts = new Set<NodeJS.Timeout>();
  let stopping = false;
  let died = false;
  let kill_timer: NodeJS.Timeout | undefined;
  let done: () => void = () => undefined;

  function fork(index: number): void {
    const w = cluster.fork({ [INDEX_ENV]: String(index), [SHARING_ENV]: sharing });
    const born = performance.now();
    const pid = w.process.pid;
    live.add(w);
    log(`worker ${index} started (pid ${pid}, ${sharing})`, "info");
    // A fork that failed reports here, then exits: the 'exit' handler decides.
    w.on("error", (e: Error) => log(`worker ${index} (pid ${pid}): ${e.message}`, "error"));
    w.on("exit", (code: number | null, signal: string | null) => {
      live.delete(w);
      const how = signal ? `killed by ${signal}` : `exit code ${code}`;
      if (stopping) {
        log(`worker ${index} (pid ${pid}) stopped (${how})`, "info");
      } else if (code === 0 && !signal) {
        log(`worker ${index} (pid ${pid}) finished`, "info");
      } else if (options.restart) {
        log(`worker ${index} (pid ${pid}) died (${how}); starting another`, "warning");
        const t = setTimeout(() => {
          restarts.delete(t);
          fork(index);
        }, performance.now() - born < 1000 ? 1000 : 0);
        restarts.add(t);
      } else {
        died = true;
        log(`worker ${index} (pid ${pid}) died (${how}); ${live.size} still running`, "warning");
      }
      settle();
    });
  }

  function stop(signal: NodeJS.Signals): void {
    if (stopping) {
      // A second signal: no more waiting.
      for (const w of live) w.process.kill("SIGKILL");
      return;
    }
    stopping = true;
    log(`${signal}: stopping ${live.size} worker(s)`, "info");
    for (const t of restarts) clearTimeout(t);
    restarts.clear();
    for (const w of live) w.process.kill("SIGTERM");
    kill_timer = setTimeout(() => {
      for (const w of live) w.process.kill("SIGKILL");
    }, grace_ms);
    settle();
  }

  function settle(): void {
    if (live.size > 0 || restarts.size > 0) return;
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    clearTimeout(kill_timer);
    if (died && process.exitCode === undefined) process.exitCode = 1;
    done();
  }

  return new Promise<void>((resolve) => {
    done = resolve;
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    for (let i = 0; i < n; i++) fork(i);
  });
}
