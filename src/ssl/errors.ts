// The ssl module's errors (SSLError and its subclasses) and the one place a Node TLS error becomes one of them.
import { OSError, from_node_error } from "../errno/index.js";
import { brand } from "../errno/exception.js";
import {
  SSL_ERROR_EOF, SSL_ERROR_SSL, SSL_ERROR_SYSCALL, SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE,
  SSL_ERROR_ZERO_RETURN,
} from "./constants.js";

/**
 * Where in CPython's `_ssl.c` (3.11) each call raises: the `(_ssl.c:NNNN)` at the end of its
 * messages, kept so that messages compare equal with CPython's.
 */
export const AT = { handshake: 1006, write: 2427, read: 2580, shutdown: 2706, context: 3926 } as const;
export type Site = keyof typeof AT;

const NAMES: Readonly<Record<number, string>> = {
  [SSL_ERROR_SSL]: "SSL_ERROR_SSL",
  [SSL_ERROR_WANT_READ]: "SSL_ERROR_WANT_READ",
  [SSL_ERROR_WANT_WRITE]: "SSL_ERROR_WANT_WRITE",
  [SSL_ERROR_SYSCALL]: "SSL_ERROR_SYSCALL",
  [SSL_ERROR_ZERO_RETURN]: "SSL_ERROR_ZERO_RETURN",
  [SSL_ERROR_EOF]: "SSL_ERROR_EOF",
};

/**
 * Python's `ssl.SSLError`, an OSError: `errno` is the SSL_ERROR_* number, `strerror` (and the
 * message) reads `[SSL: REASON] text (_ssl.c:NNNN)`, `library` and `reason` name OpenSSL's.
 */
export class SSLError extends OSError {
  static { brand(this, "ssl.SSLError"); }

  readonly library: string | null;
  readonly reason: string | null;

  constructor(errno: number | null, strerror?: string | null, library?: string | null, reason?: string | null, options?: ErrorOptions) {
    super(errno, strerror ?? null, null, options);
    // Python's SSLError prints its strerror alone, not "[Errno 1] …".
    if (errno !== null && strerror != null) this.message = strerror;
    Object.defineProperty(this, "code", { value: NAMES[errno ?? 0] ?? "SSL_ERROR", enumerable: true });
    this.library = library ?? null;
    this.reason = reason ?? null;
  }
}

/** Python's SSLZeroReturnError: the peer closed TLS with close_notify. */
export class SSLZeroReturnError extends SSLError {
  static { brand(this, "ssl.SSLZeroReturnError"); }
}
/** Python's SSLWantReadError: TLS needs bytes from the peer before this call can complete. */
export class SSLWantReadError extends SSLError {
  static { brand(this, "ssl.SSLWantReadError"); }
}
/** Python's SSLWantWriteError: TLS needs to send before this call can complete. */
export class SSLWantWriteError extends SSLError {
  static { brand(this, "ssl.SSLWantWriteError"); }
}
/** Python's SSLSyscallError. */
export class SSLSyscallError extends SSLError {
  static { brand(this, "ssl.SSLSyscallError"); }
}
/** Python's SSLEOFError: the connection ended in violation of the protocol (no close_notify). */
export class SSLEOFError extends SSLError {
  static { brand(this, "ssl.SSLEOFError"); }
}

/** Python's SSLCertVerificationError (also a ValueError, as in Python): `verify_code`, `verify_message` are OpenSSL's. */
export class SSLCertVerificationError extends SSLError {
  static {
    // Python's class is SSLError and ValueError both: the brand chain names both, so that
    // instanceof ValueError holds (exception.ts's brand() appends one name only).
    const key = Symbol.for("asyncore-ts.error");
    const parent = (Object.getPrototypeOf(this.prototype) as Record<symbol, readonly string[]>)[key] ?? [];
    Object.defineProperty(this.prototype, key, {
      value: Object.freeze([...parent, "builtins.ValueError", "ssl.SSLCertVerificationError"]),
    });
  }

  constructor(
    readonly verify_code: number,
    readonly verify_message: string,
    site: Site = "handshake",
    options?: ErrorOptions,
  ) {
    super(
      SSL_ERROR_SSL,
      `[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ${verify_message} (_ssl.c:${AT[site]})`,
      "SSL",
      "CERTIFICATE_VERIFY_FAILED",
      options,
    );
  }
}

/** Python's `ssl.CertificateError`: the same class as SSLCertVerificationError. */
export const CertificateError = SSLCertVerificationError;
export type CertificateError = SSLCertVerificationError;

/** A want-read or want-write error as CPython words it at `site`. */
export function want(kind: "read" | "write", site: Site): SSLError {
  const text = `The operation did not complete (${kind}) (_ssl.c:${AT[site]})`;
  return kind === "read" ? new SSLWantReadError(SSL_ERROR_WANT_READ, text) : new SSLWantWriteError(SSL_ERROR_WANT_WRITE, text);
}

/** The peer's transport ended without close_notify: SSLEOFError as OpenSSL 3 reports it. */
export function eof_error(site: Site, cause?: unknown): SSLEOFError {
  return new SSLEOFError(
    SSL_ERROR_EOF,
    `[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol (_ssl.c:${AT[site]})`,
    "SSL",
    "UNEXPECTED_EOF_WHILE_READING",
    cause === undefined ? undefined : { cause },
  );
}

/**
 * OpenSSL 3.2 renamed the SSLv3-era alert reasons ("sslv3 alert bad record mac" became "ssl/tls
 * alert bad record mac", same codes). Node 22+ bundles such an OpenSSL; CPython 3.11 names them
 * the old way, so the old text is what a port sees (PORTING.md, "ssl").
 */
function reason_text(reason: string): string {
  return reason.startsWith("ssl/tls alert ") ? `sslv3 alert ${reason.slice("ssl/tls alert ".length)}` : reason;
}

/** An OpenSSL reason ("wrong version number") as its symbolic name (WRONG_VERSION_NUMBER). */
function reason_name(reason: string): string {
  return reason.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
}

/** OpenSSL's library names, as CPython abbreviates them in `[LIB: REASON]`. */
function library_name(library: string): string {
  if (library === "SSL routines") return "SSL";
  if (library === "PEM routines") return "PEM";
  if (library === "X509 certificate routines") return "X509";
  if (library === "x509 certificate routines") return "X509";
  if (library === "asn1 encoding routines") return "ASN1";
  if (library === "system library") return "SYS";
  return library.split(" ")[0]!.toUpperCase();
}

/**
 * The one place a Node error met by TLS becomes Python's: OpenSSL's errors (Node gives their
 * `library` and `reason`) become SSLError with CPython's message; a transport that ended during
 * the handshake becomes SSLEOFError; a system error (ECONNRESET …) stays the OSError it is.
 */
export function ssl_error_from_node(err: unknown, site: Site): OSError {
  if (err instanceof OSError) return err;
  const e = err as { code?: unknown; library?: unknown; reason?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  if (typeof e?.reason === "string" && typeof e.library === "string") {
    const lib = library_name(e.library);
    const text = reason_text(e.reason);
    const name = reason_name(text);
    return new SSLError(SSL_ERROR_SSL, `[${lib}: ${name}] ${text} (_ssl.c:${AT[site]})`, lib, name, { cause: err });
  }
  if (code.startsWith("ERR_SSL_")) {
    const name = code.slice("ERR_SSL_".length).replace(/^SSL\/TLS_ALERT_/, "SSLV3_ALERT_");
    const text = name.toLowerCase().replace(/_/g, " ");
    return new SSLError(SSL_ERROR_SSL, `[SSL: ${name}] ${text} (_ssl.c:${AT[site]})`, "SSL", name, { cause: err });
  }
  // Node's "Client network socket disconnected before secure TLS connection was established".
  if (code === "ECONNRESET" && typeof e?.message === "string" && e.message.includes("before secure TLS")) {
    return eof_error(site, err);
  }
  if (/^E[A-Z]+$/.test(code)) return from_node_error(err);
  const text = typeof e?.message === "string" ? e.message : String(err);
  return new SSLError(SSL_ERROR_SSL, `[SSL] ${text} (_ssl.c:${AT[site]})`, "SSL", null, { cause: err });
}
