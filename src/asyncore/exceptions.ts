// ExitNow and the errno sets that asyncore treats as a disconnection.
import {
  EBADF, ECONNABORTED, ECONNRESET, ENOTCONN, EPIPE, ESHUTDOWN,
} from "../errno/index.js";

/** Raised by a handler to stop loop(): it propagates out of loop() as a rejection. */
export class ExitNow extends Error {
  constructor(message?: string) {
    super(message);
    this.name = "ExitNow";
  }
}

/** Errnos that mean the peer is gone: handled by closing, not by handle_error. */
export const _DISCONNECTED: ReadonlySet<number> = new Set([
  ECONNRESET, ENOTCONN, ESHUTDOWN, ECONNABORTED, EPIPE, EBADF,
]);

/** Errors that the loop's wrappers re-raise instead of handing to handle_error. */
export function is_reraised(err: unknown): boolean {
  return err instanceof ExitNow;
}

export function errno_of(err: unknown): number | null {
  const e = (err as { errno?: unknown } | null)?.errno;
  return typeof e === "number" ? e : null;
}
