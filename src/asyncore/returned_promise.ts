// A handler that returns a promise (an `async` handler): not awaited; its rejection goes to the channel's handle_error.
import type { Channel } from "./map.js";
import { while_handling } from "./traceback.js";

/**
 * Called with what a handler returned. A promise is not awaited: the loop goes on dispatching
 * (Python's handlers are synchronous; awaiting would stall every other channel). If it rejects,
 * the error goes to the channel's handle_error, as if the handler had raised, while the channel
 * is still in its map; after close it is logged through log_info, as handle_error would have.
 * ExitNow from a promise cannot stop the loop (it is a later tick): it is handled like any other
 * error. PORTING.md, "Any thrown value, and async handlers".
 */
export function settle(obj: Channel, result: unknown, on_reject?: (err: unknown) => void): void {
  if (result === null || (typeof result !== "object" && typeof result !== "function")) return;
  const then = (result as { then?: unknown }).then;
  if (typeof then !== "function") return;
  then.call(result, undefined, (err: unknown) => rejected(obj, err, on_reject));
}

function rejected(obj: Channel, err: unknown, on_reject?: (err: unknown) => void): void {
  try {
    on_reject?.(err);
    if (obj._fileno !== null) {
      while_handling(err, () => obj.handle_error(err));
      return;
    }
    const log = (obj as { log_info?: (m: unknown, t?: string) => void }).log_info;
    const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    if (log) log.call(obj, `rejected handler promise after close, channel ${String(obj)} (${text})`, "error");
  } catch (again) {
    // handle_error itself failed: nothing above us can catch it, so say so on stderr.
    process.stderr.write(`asyncore: handle_error failed for a rejected handler promise: ${String(again)}\n`);
  }
}
