// What a stress program measures about its own process: heap after GC, real and emulated descriptors, map size.
import { readdirSync } from "node:fs";
import * as asyncore from "../../src/asyncore/index.js";
import { POLLNVAL, Pollable, allocate_fd, lookup_fd, release_fd } from "../../src/socket/index.js";

export interface Sample {
  /** MiB used by the JS heap after a full GC (node --expose-gc), or before one without it. */
  readonly heap_mib: number;
  /** Entries in /proc/self/fd: the process's real descriptors. */
  readonly os_fds: number;
  /** Emulated descriptors open in the fd table (sockets the library has not closed). */
  readonly fds: number;
  /** Channels in asyncore.socket_map. */
  readonly map: number;
}

/** Stands in for a descriptor only to learn the next number (numbers are never reused). */
class Probe extends Pollable {
  fileno(): number {
    return -1;
  }
  poll_flags(): number {
    return POLLNVAL;
  }
}

function open_emulated_fds(): number {
  const end = allocate_fd(new Probe());
  release_fd(end);
  let n = 0;
  for (let fd = 3; fd < end; fd++) if (lookup_fd(fd) !== undefined) n++;
  return n;
}

/** Runs the GC a few times (finalizers and weak callbacks need more than one pass) and yields between. */
export async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((r) => setImmediate(r));
  }
}

export async function sample(): Promise<Sample> {
  await settle();
  return {
    heap_mib: +(process.memoryUsage().heapUsed / 2 ** 20).toFixed(2),
    os_fds: readdirSync("/proc/self/fd").length,
    fds: open_emulated_fds(),
    map: asyncore.socket_map.size,
  };
}
