// The TLS example servers' command line: [port] [--poll] [--tls-cert FILE --tls-key FILE].

export interface ServerFlags {
  readonly port: number;
  /** Run the poll()-based loop instead of the select()-based one. */
  readonly use_poll: boolean;
  /** PEM files of the server's certificate (chain) and key; both or neither. */
  readonly tls_cert: string | null;
  readonly tls_key: string | null;
}

/** Parse `argv`; throws an Error saying what is wrong. `--flag=value` works too. */
export function take_server_flags(argv: readonly string[], default_port: number): ServerFlags {
  const args: string[] = [];
  let use_poll = false;
  let tls_cert: string | null = null;
  let tls_key: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf("=");
    const name = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      const v = eq > 0 && name !== a ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === "") throw new Error(`${name} needs a file name`);
      return v;
    };
    if (name === "--poll") use_poll = true;
    else if (name === "--tls-cert") tls_cert = value();
    else if (name === "--tls-key") tls_key = value();
    else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else args.push(a);
  }
  if (args.length > 1) throw new Error(`unexpected argument ${JSON.stringify(args[1])}`);
  const port = args[0] === undefined ? default_port : Number(args[0]);
  if (!/^\d+$/.test(args[0] ?? "0") || !Number.isInteger(port) || port > 65535) throw new Error(`bad port ${JSON.stringify(args[0])}`);
  if ((tls_cert === null) !== (tls_key === null)) throw new Error("--tls-cert and --tls-key go together");
  return { port, use_poll, tls_cert, tls_key };
}
