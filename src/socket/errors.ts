// The socket module's own errors: gaierror with getaddrinfo's codes, and Node's errors as a socket call shows them.
import { from_node_error, OSError } from "../errno/index.js";
import { brand } from "../errno/exception.js";

/** getaddrinfo's error codes (glibc values) and their gai_strerror texts, as Python's gaierror shows them. */
const EAI: Readonly<Record<string, readonly [number, string]>> = {
  EAI_BADFLAGS: [-1, "Bad value for ai_flags"],
  EAI_NONAME: [-2, "Name or service not known"],
  EAI_AGAIN: [-3, "Temporary failure in name resolution"],
  EAI_FAIL: [-4, "Non-recoverable failure in name resolution"],
  EAI_FAMILY: [-6, "ai_family not supported"],
  EAI_SOCKTYPE: [-7, "ai_socktype not supported"],
  EAI_SERVICE: [-8, "Servname not supported for ai_socktype"],
  EAI_ADDRFAMILY: [-9, "Address family for hostname not supported"],
  EAI_MEMORY: [-10, "Memory allocation failure"],
  EAI_SYSTEM: [-11, "System error"],
  EAI_NODATA: [-5, "No address associated with hostname"],
};

/** Python's socket.gaierror: a name-resolution failure (an OSError), with getaddrinfo's negative codes. */
export class gaierror extends OSError {
  static { brand(this, "socket.gaierror"); }

  constructor(errno: number, strerror: string, options?: ErrorOptions) {
    super(errno, strerror, null, options);
    const name = Object.keys(EAI).find((k) => EAI[k]![0] === errno);
    Object.defineProperty(this, "code", { value: name ?? `EAI_${-errno}`, enumerable: true });
  }
}

/**
 * A Node error turned into the Python error a socket call shows: a failed name lookup
 * (`getaddrinfo`, Node's ENOTFOUND/EAI_AGAIN) becomes gaierror, the rest OSError by errno.
 * Either keeps the Node error as its `cause`, for the host, port and syscall Node recorded.
 */
export function socket_error_from_node(err: unknown): OSError {
  const e = err as { code?: unknown; syscall?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  if (e?.syscall === "getaddrinfo" || code === "ENOTFOUND" || code.startsWith("EAI_")) {
    const [n, text] = EAI[code === "ENOTFOUND" ? "EAI_NONAME" : code] ?? EAI.EAI_FAIL!;
    return new gaierror(n, text, { cause: err });
  }
  return from_node_error(err);
}
