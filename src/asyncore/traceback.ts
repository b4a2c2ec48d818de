// compact_traceback() and the error being handled now: Python's sys.exc_info() for handle_error().
import { AssertionError } from "../errno/index.js";

const handling: unknown[] = [];

/** Run `f` with `err` as the error currently being handled (what handle_error() sees). */
export function while_handling<T>(err: unknown, f: () => T): T {
  handling.push(err);
  try {
    return f();
  } finally {
    handling.pop();
  }
}

/** The error the loop is handling now, like `sys.exc_info()[1]`; undefined outside a handler. */
export function current_error(): unknown {
  return handling[handling.length - 1];
}

export type TracebackEntry = readonly [file: string, fn: string, line: string];
/** The error's class (Python's exception type); a primitive thrown value gives its wrapper. */
export type ErrorType = abstract new (...args: never[]) => unknown;
export type CompactTraceback = readonly [
  last: TracebackEntry,
  type: ErrorType,
  value: unknown,
  info: string,
];

const FRAME = /^\s*at (?:(.*?) \()?(.*?):(\d+):\d+\)?$/;

function frames(err: unknown): TracebackEntry[] {
  const stack = err instanceof Error && typeof err.stack === "string" ? err.stack : "";
  const out: TracebackEntry[] = [];
  for (const line of stack.split("\n")) {
    const m = FRAME.exec(line);
    if (!m) continue;
    const file = (m[2] ?? "?").replace(/^file:\/\//, "");
    if (file.startsWith("node:")) continue;
    out.push([file, m[1] ?? "<module>", m[3] ?? "0"]);
  }
  // JS lists the innermost frame first; Python's traceback ends with it.
  return out.reverse();
}

/** Stand-in classes for the two thrown values that have no wrapper: reported as `<class 'undefined'>`, `<class 'null'>`. */
const NO_WRAPPER = {
  undefined: named_class("undefined"),
  null: named_class("null"),
} as const;

function named_class(name: string): ErrorType {
  const c = class {};
  Object.defineProperty(c, "name", { value: name });
  return c;
}

function type_of(err: unknown): ErrorType {
  if (err === undefined) return NO_WRAPPER.undefined;
  if (err === null) return NO_WRAPPER.null;
  if (err !== null && typeof err === "object") return (err as object).constructor as ErrorType;
  return Object(err).constructor as ErrorType;
}

/** How Python prints an exception type: `<class 'TypeError'>`. */
export function type_repr(t: ErrorType): string {
  return `<class '${t.name}'>`;
}

/**
 * Python's asyncore.compact_traceback(): ((file, function, line), type, value, info) where
 * info is "[file|function|line] ..." from outermost to innermost frame.
 */
export function compact_traceback(err: unknown = current_error()): CompactTraceback {
  // `throw undefined` is a thrown value like any other: only with nothing being handled is there no traceback.
  if (err === undefined && handling.length === 0) throw new AssertionError("traceback does not exist");
  let tb = frames(err);
  if (tb.length === 0) tb = [["?", "?", "0"]];
  const info = tb.map(([f, fn, l]) => `[${f}|${fn}|${l}]`).join(" ");
  return [tb[tb.length - 1] as TracebackEntry, type_of(err), err, info];
}
