// Running CPython's ftplib sessions (test/helpers/ftp_session.py) and CPython's own test_ftplib server (ftp_dummy_server.py) as children.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Child, with_timeout } from "./clients.js";

const HERE = fileURLToPath(new URL("../../../test/helpers/", import.meta.url));
export const SESSION_PY = `${HERE}ftp_session.py`;
export const DUMMY_SERVER_PY = `${HERE}ftp_dummy_server.py`;
export const CERTS = fileURLToPath(new URL("../../../test/fixtures/certs/", import.meta.url));

/** test_ftplib's RETR_DATA, as the bytes its server sends (UTF-8). */
export const RETR_DATA = Buffer.from("abcde\u00b9\u00b2\u00b3\u00a4\u00a6\r\n".repeat(1000), "utf8");

/** One step of a session: [name, what ftplib returned or the error it raised]. */
export type Step = [string, unknown];

export interface SessionArgs {
  readonly python3: string;
  readonly port: number;
  readonly port6?: number;
  readonly session: "compare" | "store";
  readonly tls: boolean;
  /** Children to kill after the test. */
  readonly children: Child[];
  readonly timeout?: number;
}

/** Run ftp_session.py; resolve with its steps (the final DONE checked and dropped). */
export async function ftplib_session(a: SessionArgs): Promise<Step[]> {
  const args = [SESSION_PY, "127.0.0.1", String(a.port), a.session, a.tls ? "tls" : "plain", `${CERTS}ca.pem`];
  if (a.port6 !== undefined) args.push(String(a.port6));
  const child = new Child(a.python3, ["-W", "ignore", ...args]);
  a.children.push(child);
  const r = await with_timeout(child.done, a.timeout ?? 30000, `the ftplib ${a.session} session to finish`);
  expect(r.code, `ftplib session failed: ${r.stderr}\n${r.stdout}`).to.equal(0);
  const steps = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Step);
  expect(steps.pop(), r.stdout).to.deep.equal(["DONE", null]);
  return steps;
}

/** Steps as an object (names are unique within a session). */
export function by_name(steps: Step[]): Record<string, unknown> {
  return Object.fromEntries(steps);
}

/** Start CPython's test_ftplib server (plain or with its SSL mixin); resolve with its IPv4 and IPv6 ports. */
export async function start_dummy_server(python3: string, tls: boolean, children: Child[]): Promise<[number, number]> {
  const child = new Child(python3, ["-W", "ignore", DUMMY_SERVER_PY, tls ? "tls" : "plain", `${CERTS}server.keycert.pem`]);
  children.push(child);
  const out = await child.wait_stdout((s) => /^\d+ \d+\n/.test(s), 10000, "test_ftplib's server to print its ports");
  const [p4, p6] = out.split("\n")[0]!.split(" ").map(Number);
  return [p4!, p6!];
}

let dummy_python: string | null | undefined;

/**
 * A python3 for CPython's own test_ftplib server, or a skip saying why not. Some builds leave
 * the test suite out (Debian's python3 without libpython3-testsuite), so every python3 on PATH
 * is tried in order. The check runs in a temporary directory: `-c` in the current one would let
 * this repository's test/ folder hide CPython's `test` package (the server itself runs as a script).
 */
export function python3_with_test_ftplib_or_skip(ctx: Mocha.Context): string {
  if (dummy_python === undefined) {
    dummy_python = null;
    const seen = new Set<string>();
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      const exe = join(dir || ".", "python3");
      if (seen.has(exe) || !existsSync(exe)) continue;
      seen.add(exe);
      const r = spawnSync(exe, ["-W", "ignore", "-c", "import asyncore, asynchat, ftplib, ssl, test.test_ftplib"], {
        cwd: tmpdir(),
        encoding: "utf8",
        timeout: 20000,
      });
      if (r.status === 0) {
        dummy_python = exe;
        break;
      }
    }
  }
  if (dummy_python === null) {
    console.log("      (skipped: needs a python3 with CPython's test.test_ftplib (3.11 or older, test suite installed); none on PATH has it)");
    ctx.skip();
  }
  return dummy_python!;
}
