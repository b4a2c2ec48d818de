// Root hooks, loaded by .mocharc.json's "require": the run fails when a test leaves something open.
//
// After each test: an emulated socket or file descriptor the test opened and did not close, a
// channel left in asyncore.socket_map (closed here, so later tests do not depend on it), or a
// global the test replaced and did not restore (a stub, fake timers) is noted with the test's
// name. After all tests: no descriptor may be open, and no Node handle or timer may keep the
// process alive beyond what the run started with (stdout and stderr). The last hook fails with
// the list; if handles are left, the process is ended shortly after mocha has reported, since
// they would keep it alive. Spec files may not add root-level hooks either (hooks go inside a
// describe), and that is checked here too.
import * as asyncore from "../../src/asyncore/index.js";
import { POLLNVAL, Pollable, allocate_fd, lookup_fd, release_fd } from "../../src/socket/index.js";

const real_setTimeout = globalThis.setTimeout;

/** Stands in for a descriptor only to learn the next number (numbers are never reused). */
class Probe extends Pollable {
  fileno(): number {
    return -1;
  }
  poll_flags(): number {
    return POLLNVAL;
  }
}

/** The number the next descriptor will get: every open descriptor has a lower one. */
function next_fd(): number {
  const fd = allocate_fd(new Probe());
  release_fd(fd);
  return fd;
}

/** Open descriptors with numbers in [from, to), described. */
function open_fds(from: number, to: number): string[] {
  const out: string[] = [];
  for (let fd = Math.max(from, 0); fd < to; fd++) {
    const p = lookup_fd(fd);
    if (p !== undefined && !(p instanceof Probe)) out.push(`fd ${fd} ${repr(p)}`);
  }
  return out;
}

function repr(x: unknown): string {
  try {
    const s = String(x);
    return s === "[object Object]" ? `<${(x as object).constructor.name}>` : s;
  } catch {
    return "<repr failed>";
  }
}

/** Globals a test may replace (stubs, fake timers) and must put back. */
const WATCHED: ReadonlyArray<readonly [string, () => unknown]> = [
  ["setTimeout", () => globalThis.setTimeout],
  ["clearTimeout", () => globalThis.clearTimeout],
  ["setInterval", () => globalThis.setInterval],
  ["setImmediate", () => globalThis.setImmediate],
  ["Date", () => globalThis.Date],
  ["performance.now", () => globalThis.performance.now],
  ["process.nextTick", () => process.nextTick],
  ["console.log", () => console.log],
  ["console.error", () => console.error],
  ["process.stdout.write", () => process.stdout.write],
  ["process.stderr.write", () => process.stderr.write],
];
const originals = WATCHED.map(([, get]) => get());
/** Which of them are replaced now (each is reported once, after the test that left it so). */
const replaced = WATCHED.map(() => false);

/** Per resource type (getActiveResourcesInfo), how many. */
function count(infos: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of infos) m.set(i, (m.get(i) ?? 0) + 1);
  return m;
}

/** What is active now beyond the baseline: ["TCPSocketWrap ×2", …]. */
function beyond(baseline: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [type, n] of count(process.getActiveResourcesInfo())) {
    const extra = n - (baseline.get(type) ?? 0);
    if (extra > 0) out.push(extra > 1 ? `${type} ×${extra}` : type);
  }
  return out;
}

let baseline = new Map<string, number>();
/** For each resource type that outnumbered the baseline after a test, the first such test. */
const first_seen = new Map<string, string>();
const problems: string[] = [];
let mark = 0;

function where(test: Mocha.Runnable | undefined): string {
  if (!test) return "a hook";
  const file = test.file ? ` (${test.file.replace(/^.*?(dist\/)/, "$1")})` : "";
  return `"${test.fullTitle()}"${file}${test.state === "failed" ? " [the test failed]" : ""}`;
}

function before_all(this: Mocha.Context): void {
  baseline = count(process.getActiveResourcesInfo());
  const root = this.test?.parent;
  if (root) {
    const ours = new Set<unknown>([before_all, before_each, after_each, settle, check]);
    for (const kind of ["beforeAll", "beforeEach", "afterEach", "afterAll"]) {
      const hooks = (root as unknown as { getHooks(k: string): Mocha.Hook[] }).getHooks(kind) ?? [];
      for (const h of hooks) {
        if (!ours.has(h.fn)) problems.push(`a spec file has a root-level ${kind} hook (hooks go inside a describe): ${h.title}: ${String(h.fn).slice(0, 120)}`);
      }
    }
  }
}

function before_each(): void {
  mark = next_fd();
}

function after_each(this: Mocha.Context): void {
  const test = this.currentTest;
  WATCHED.forEach(([name, get], i) => {
    const was = replaced[i];
    replaced[i] = get() !== originals[i];
    if (replaced[i] && !was) problems.push(`${where(test)} left ${name} replaced (restore stubs and fake timers in afterEach)`);
  });
  if (asyncore.socket_map.size > 0) {
    const left = [...asyncore.socket_map].map(([fd, ch]) => `${fd} ${repr(ch)}`);
    problems.push(`${where(test)} left ${left.length} channel(s) in asyncore.socket_map: ${left.join(", ")}`);
    asyncore.close_all(null, true);
  }
  for (const d of open_fds(mark, next_fd())) problems.push(`${where(test)} left ${d} open`);
  // Node's documented view names resource types only: remember after which test each type first outnumbered the baseline.
  for (const [type, n] of count(process.getActiveResourcesInfo())) {
    if (n > (baseline.get(type) ?? 0) && !first_seen.has(type)) first_seen.set(type, where(test));
  }
}

/** Waits (bounded) for handles that are closing to finish closing. */
async function settle(this: Mocha.Context): Promise<void> {
  this.timeout(10000);
  // While this async hook runs, mocha holds one Timeout of its own (the hook's timeout).
  const mochas = new Map(baseline);
  mochas.set("Timeout", (mochas.get("Timeout") ?? 0) + 1);
  const until = performance.now() + 3000;
  while (beyond(mochas).length > 0 && performance.now() < until) {
    await new Promise((r) => real_setTimeout(r, 10));
  }
}

/** Synchronous, so mocha holds no timer of its own here: what is beyond the baseline was left by the tests. */
function check(): void {
  const fds = open_fds(0, next_fd());
  if (fds.length) problems.push(`after all tests, emulated descriptors are still open: ${fds.join("; ")}`);
  const extra = beyond(baseline);
  if (extra.length) {
    const handles = extra.map((t) => {
      const type = t.split(" ×")[0]!;
      return `    ${t}: more than at the start since ${first_seen.get(type) ?? "the last test (an after hook?)"}`;
    });
    problems.push([`after all tests, these keep the process alive: ${extra.join(", ")}`, ...handles].join("\n"));
    // They would keep mocha from exiting: end the process once the failure has been reported.
    real_setTimeout(() => {
      process.stderr.write(`test/helpers/leaks.ts: ending the process: ${extra.join(", ")} still open\n`);
      process.exit(1);
    }, 2000).unref();
  }
  if (problems.length) {
    const list = problems.splice(0).map((p) => `  - ${p}`).join("\n");
    throw new Error(`the tests left things open or replaced:\n${list}`);
  }
}

export const mochaHooks = {
  beforeAll: before_all,
  beforeEach: before_each,
  afterEach: after_each,
  afterAll: [settle, check],
} as unknown as Mocha.RootHookObject;
