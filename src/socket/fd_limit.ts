// Whether the process has run out of descriptors: libuv then closes the connections it cannot accept without telling Node, so the listener asks.
import { closeSync, openSync, readFileSync } from "node:fs";
import { EMFILE, ENFILE } from "../errno/index.js";

/** Accepted connections whose Node socket is still open, across all listeners. */
let live = 0;
/** The process was found at its descriptor limit and has said so; cleared once a probe finds room again. */
let at_limit = false;
let soft: number | null | undefined;

/** How close to the soft RLIMIT_NOFILE the accepted connections must come before each new one pays for a probe. */
const PROBE_WITHIN = 1024;

/** The soft limit on open files ("Max open files" in /proc/self/limits), null where unknown. */
function soft_limit(): number | null {
  if (soft !== undefined) return soft;
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "latin1"));
    soft = m && m[1] !== "unlimited" ? Number(m[1]) : null;
  } catch {
    soft = null;
  }
  return soft;
}

/** EMFILE or ENFILE when opening one more descriptor fails for want of one; 0 when it works. */
function probe_full(): number {
  try {
    closeSync(openSync("/dev/null", "r"));
    return 0;
  } catch (e) {
    const code = (e as { code?: string }).code;
    return code === "EMFILE" ? EMFILE : code === "ENFILE" ? ENFILE : 0;
  }
}

/**
 * Called for each accepted connection; accepted_closed() must be called when its Node socket
 * closes. Returns the errno (EMFILE, ENFILE) the first time a burst of exhaustion is seen, for
 * the caller to report once; 0 otherwise. It reports again only after a later connection found
 * room and the limit was reached again.
 */
export function accepted_and_full(): number {
  live++;
  const limit = soft_limit();
  if (limit === null || limit - live > PROBE_WITHIN) return 0;
  const full = probe_full();
  if (full === 0) {
    at_limit = false;
    return 0;
  }
  if (at_limit) return 0;
  at_limit = true;
  return full;
}

export function accepted_closed(): void {
  live--;
}
