// Runs a stress program (dist/test/stress/*.js) in a child Node with --expose-gc and returns its JSON report.
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** `program` is a file name in this folder; the child's last stdout line is its report. */
export function run_stress<T>(program: string, args: readonly (string | number)[], timeout_ms: number, shell_prefix = ""): Promise<T> {
  const file = join(here, program);
  const argv = ["--expose-gc", file, ...args.map(String)];
  // A shell only when a prefix (e.g. `ulimit -n 64;`) must apply to the child.
  const [cmd, cmd_args] = shell_prefix
    ? ["/bin/sh", ["-c", `${shell_prefix} exec "${process.execPath}" ${argv.map((a) => `'${a}'`).join(" ")}`]]
    : [process.execPath, argv];
  return new Promise((resolve, reject) => {
    execFile(cmd, cmd_args, { timeout: timeout_ms, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${program} failed: ${err.message}\n${stderr}`));
        return;
      }
      const last = stdout.trim().split("\n").at(-1) ?? "";
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${program}: no JSON report in ${JSON.stringify(stdout.slice(-500))}\n${stderr}`));
      }
    });
  });
}
