// python3 for the tests that compare with CPython itself: found once, and a clear skip when it is missing.
import { spawnSync } from "node:child_process";

const found = new Map<string, string | null>();

/**
 * "python3" when a python3 on PATH runs and imports every module of `modules` (asyncore and
 * asynchat need CPython 3.11 or older), else null. Checked once per list of modules.
 */
export function python3_with(...modules: string[]): string | null {
  const key = modules.join(",");
  if (!found.has(key)) {
    const r = spawnSync("python3", ["-W", "ignore", "-c", `import ${["sys", ...modules].join(", ")}; print(sys.version_info[0])`], {
      encoding: "utf8",
      timeout: 10000,
    });
    found.set(key, r.status === 0 && r.stdout.trim() === "3" ? "python3" : null);
  }
  return found.get(key)!;
}

/**
 * Skips the running test (or, called from a before hook, the rest of its describe) when
 * python3 with `modules` is missing, saying so in the output; returns the command otherwise.
 */
export function python3_or_skip(ctx: Mocha.Context, ...modules: string[]): string {
  const py = python3_with(...modules);
  if (py === null) {
    console.log(`      (skipped: needs python3 with ${modules.join(", ")}, which is not available on this machine)`);
    ctx.skip();
  }
  return py!;
}
