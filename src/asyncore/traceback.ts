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

/** Python's co_name from V8's "async Class.method" / "new Class" / "Module.fn": the function's own name. */
function code_name(v8: string | undefined): string {
  if (v8 === undefined) return "<module>";
  if (v8.startsWith("new ")) return "__init__";
  const bare = v8.replace(/^(?:async |new )/, "").replace(/ \[as [^\]]+\]$/, "");
  return bare.slice(bare.lastIndexOf(".") + 1) || "<module>";
}

function frames(err: unknown): TracebackEntry[] {
  const stack = err instanceof Error && typeof err.stack === "string" ? err.stack : "";
  const out: TracebackEntry[] = [];
  for (const line of stack.split("\n")) {
    const m = FRAME.exec(line);
    if (!m) continue;
    const file = (m[2] ?? "?").replace(/^file:\/\//, "");
    if (file.startsWith("node:")) continue;
    out.push([file, code_name(m[1]), m[3] ?? "0"]);
  }
  // JS lists the innermost frame first; Python's traceback ends with it.
  out.reverse();
  // Python's traceback starts where the error was caught (asyncore.read, readwrite …); V8's
  // stack also holds the frames above, loop() and Node's timers: drop those.
  let caught = -1;
  out.forEach(([file, fn], i) => {
    if (DISPATCH_FILE.test(file) && DISPATCH_FN.test(fn)) caught = i;
  });
  return caught > 0 ? out.slice(caught) : out;
}

/** The loop's wrappers that catch a handler's error (dispatch.ts): Python's read, write, _exception, readwrite. */
const DISPATCH_FILE = /\/asyncore\/dispatch\.[jt]s$/;
const DISPATCH_FN = /(?:^|\.)(?:read|write|_exception|readwrite)$/;

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

/**
 * How Python prints an exception type: `<class 'TypeError'>`, with the module for the package's
 * classes outside builtins (`<class 'socket.gaierror'>`, `<class 'asyncore.ExitNow'>`). A user's
 * class has no module in JS: its bare name (PORTING.md, "Errors").
 */
export function type_repr(t: ErrorType): string {
  const brands = (t.prototype as Record<symbol, unknown> | undefined)?.[BRAND];
  const own = Array.isArray(brands) && Object.hasOwn(t.prototype as object, BRAND) ? (brands[brands.length - 1] as string) : null;
  if (own !== null) return `<class '${own.startsWith("builtins.") ? own.slice(9) : own}'>`;
  return `<class '${t.name}'>`;
}

/** The brand symbol of errno/exception.ts: the Python qualified names of the package's error classes. */
const BRAND = Symbol.for("asyncore-ts.error");

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
