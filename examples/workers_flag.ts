// The example servers' `--workers N` flag (asyncore.run_workers), taken out of their arguments.
import { availableParallelism } from "node:os";

export interface WorkersFlag {
  /** How many processes serve: 1 (the default) serves in this process, as without the flag. */
  readonly workers: number;
  /** The other arguments, in order. */
  readonly args: string[];
}

/**
 * `--workers N` or `--workers=N` anywhere in `argv`; N is a positive integer, or `auto` for one
 * worker per core (os.availableParallelism()). Throws an Error saying what is wrong otherwise.
 */
export function take_workers_flag(argv: readonly string[]): WorkersFlag {
  const args: string[] = [];
  let workers = 1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    let value: string | undefined;
    if (a === "--workers") {
      value = argv[++i];
      if (value === undefined) throw new Error("--workers needs a value: a count, or auto");
    } else if (a.startsWith("--workers=")) {
      value = a.slice("--workers=".length);
    } else {
      args.push(a);
      continue;
    }
    workers = value === "auto" ? availableParallelism() : Number(value);
    if (!/^(auto|\d+)$/.test(value) || !Number.isInteger(workers) || workers < 1) {
      throw new Error(`--workers ${JSON.stringify(value)}: a positive count, or auto`);
    }
  }
  return { workers, args };
}

/**
 * Workers binding a port each (SO_REUSEPORT) cannot share port 0: every one would get a port of
 * its own. Throws unless `port` is fixed or there is a single process.
 */
export function check_workers_port(workers: number, port: number, what = "port"): void {
  if (workers > 1 && port === 0) throw new Error(`--workers ${workers} needs a fixed ${what}, not 0 (each worker would pick its own)`);
}
