// The loop's wrappers around one channel's events: read, write, _exception, readwrite.
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI } from "../select/index.js";
import { _DISCONNECTED, errno_of_error, is_reraised } from "./errors.js";
import type { Channel } from "./map.js";
import { settle } from "./returned_promise.js";
import { while_handling } from "./traceback.js";

function handle_error(obj: Channel, err: unknown): void {
  if (is_reraised(err)) throw err;
  while_handling(err, () => obj.handle_error(err));
}

/** A channel that del_channel() removed from its map gets no further events (ARCHITECTURE.md, "No handler after close"). */
function gone(obj: Channel): boolean {
  return obj._fileno === null;
}

export function read(obj: Channel): void {
  try {
    obj.handle_read_event();
  } catch (e) {
    handle_error(obj, e);
  }
}

export function write(obj: Channel): void {
  try {
    obj.handle_write_event();
  } catch (e) {
    handle_error(obj, e);
  }
}

export function _exception(obj: Channel): void {
  try {
    obj.handle_expt_event();
  } catch (e) {
    handle_error(obj, e);
  }
}

/** poll()'s dispatch: events in Python's order; a disconnection errno closes instead of handle_error. */
export function readwrite(obj: Channel, flags: number): void {
  try {
    if (flags & POLLIN) obj.handle_read_event();
    if (flags & POLLOUT && !gone(obj)) obj.handle_write_event();
    if (flags & POLLPRI && !gone(obj)) obj.handle_expt_event();
    if (flags & (POLLHUP | POLLERR | POLLNVAL) && !gone(obj)) settle(obj, obj.handle_close());
  } catch (e) {
    if (is_reraised(e)) throw e;
    const no = errno_of_error(e);
    if (no !== null && _DISCONNECTED.has(no)) settle(obj, obj.handle_close());
    else while_handling(e, () => obj.handle_error(e));
  }
}
