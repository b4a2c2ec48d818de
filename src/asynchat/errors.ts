// The Python exception classes asynchat raises that the errno layer does not define.
import { ValueError } from "../errno/index.js";

/** Python's `NotImplementedError`, shared with asyncore so one instanceof covers both. */
export { NotImplementedError } from "../asyncore/index.js";

/** Python's `UnicodeEncodeError` (a ValueError): a character the channel's encoding cannot hold. */
export class UnicodeEncodeError extends ValueError {
  constructor(encoding: string, position: number) {
    super(`'${encoding}' codec can't encode character in position ${position}: ordinal not in range`);
    this.name = "UnicodeEncodeError";
  }
}

/** Python's `LookupError`: an unknown codec name in `encoding`. */
export class LookupError extends Error {
  constructor(message?: string) {
    super(message);
    this.name = "LookupError";
  }
}

/**
 * Not in CPython: raised (from handle_read, so asyncore routes it to handle_error) by the
 * default handle_collect_overflow when a peer sends more than the opt-in `ac_collect_limit`
 * bytes without completing an item.
 */
export class CollectLimitError extends ValueError {
  constructor(limit: number) {
    super(`more than ac_collect_limit (${limit}) bytes received without a terminator`);
    this.name = "CollectLimitError";
  }
}
