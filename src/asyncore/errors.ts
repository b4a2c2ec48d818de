// asyncore's errors: ExitNow, and how the loop sorts the errors a handler raises.
import { EBADF, ECONNABORTED, ECONNRESET, ENOTCONN, EPIPE, ESHUTDOWN } from "../errno/index.js";
import { brand, Exception } from "../errno/exception.js";

/** Raised by a handler to stop loop(): it propagates out of loop() as a rejection. */
export class ExitNow extends Exception {
  static { brand(this, "asyncore.ExitNow"); }
}

/** Errnos that mean the peer is gone: handled by closing, not by handle_error. */
export const _DISCONNECTED: ReadonlySet<number> = new Set([
  ECONNRESET, ENOTCONN, ESHUTDOWN, ECONNABORTED, EPIPE, EBADF,
]);

/** Errors that the loop's wrappers re-raise instead of handing to handle_error. */
export function is_reraised(err: unknown): boolean {
  return err instanceof ExitNow;
}

/**
 * A raised error's `.errno` (Python's `why.errno`/`why.args[0]`), or null when it has none.
 * Not errno's `errno_by_name`, which maps a symbolic name to its number.
 */
export function errno_of_error(err: unknown): number | null {
  const e = (err as { errno?: unknown } | null)?.errno;
  return typeof e === "number" ? e : null;
}
