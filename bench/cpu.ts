// A process's CPU time so far, as the bench and the TLS bench read it.
import { readdirSync, readFileSync } from "node:fs";

/** /proc/<pid>/stat and /proc/stat count CPU in clock ticks (CLK_TCK = 100). */
export const TICK_US = 1e6 / 100;

/**
 * CPU time of a process so far, every thread, in µs: the sum of its threads' `schedstat` run
 * times (nanoseconds; a server's threads live as long as it does), or where the kernel has no
 * schedstat, user + system from `/proc/<pid>/stat` (10 ms ticks: a 50 ms window is ±20 %).
 */
export function cpu_us(pid: number): number {
  try {
    let ns = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]);
    return ns / 1000;
  } catch {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * TICK_US;
  }
}
