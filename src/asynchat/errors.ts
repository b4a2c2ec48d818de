// asynchat's own error: CollectLimitError, for the opt-in ac_collect_limit (Python's built-ins are errno's).
import { ValueError } from "../errno/index.js";
import { brand } from "../errno/exception.js";

/**
 * Not in CPython: raised (from handle_read, so asyncore routes it to handle_error) by the
 * default handle_collect_overflow when a peer sends more than the opt-in `ac_collect_limit`
 * bytes without completing an item.
 */
export class CollectLimitError extends ValueError {
  static { brand(this, "asynchat.CollectLimitError"); }

  constructor(limit: number) {
    super(`more than ac_collect_limit (${limit}) bytes received without a terminator`);
  }
}
