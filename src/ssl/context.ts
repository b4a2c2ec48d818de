// SSLContext: what a TLS connection is made with (certificates, trust, versions, ciphers, ALPN), and create_default_context.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Server as TlsServer, createSecureContext, rootCertificates, type SecureContext, type SecureContextOptions } from "node:tls";
import { X509Certificate } from "node:crypto";
import { NotImplementedError, ValueError, from_node_error, OSError } from "../errno/index.js";
import { SOCK_STREAM, type socket } from "../socket/index.js";
import {
  CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED, DEFAULT_OPTIONS, PROTOCOL_TLS, PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER,
  OP_CIPHER_SERVER_PREFERENCE, PROTOCOL_TLSv1, PROTOCOL_TLSv1_1, PROTOCOL_TLSv1_2, Purpose, TLSVersion, VERIFY_X509_TRUSTED_FIRST,
  type ASN1Object,
} from "./constants.js";
import { AT, SSLError } from "./errors.js";
import { SSLSocket } from "./ssl_socket.js";
import { decode_certificate, type PeerCertDict } from "./peer_cert.js";

/** A password for load_cert_chain: the text, its bytes, or a function returning either (Python's callable). */
export type Password = string | Uint8Array | (() => string | Uint8Array);

/** wrap_socket()'s keyword arguments, with Python's names and defaults. */
export interface WrapOptions {
  server_side?: boolean;
  do_handshake_on_connect?: boolean;
  suppress_ragged_eofs?: boolean;
  server_hostname?: string | null;
  session?: null;
}

/** load_verify_locations()'s arguments by name, as Python allows them. */
export interface VerifyLocations {
  cafile?: string | null;
  capath?: string | null;
  cadata?: string | Uint8Array | null;
}

const VERSION_NAME: ReadonlyMap<number, SecureContextOptions["minVersion"]> = new Map([
  [TLSVersion.MINIMUM_SUPPORTED, "TLSv1"],
  [TLSVersion.SSLv3, "TLSv1"],
  [TLSVersion.TLSv1, "TLSv1"],
  [TLSVersion.TLSv1_1, "TLSv1.1"],
  [TLSVersion.TLSv1_2, "TLSv1.2"],
  [TLSVersion.TLSv1_3, "TLSv1.3"],
  [TLSVersion.MAXIMUM_SUPPORTED, "TLSv1.3"],
]);

/** CPython 3.11's default cipher string for TLS 1.2 and below (Modules/_ssl.c, PY_SSL_DEFAULT_CIPHER_STRING), with TLS 1.3's. */
const PY_DEFAULT_CIPHERS = "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM";

/** The TLS 1.3 suites OpenSSL offers by default: set_ciphers() leaves them alone, as OpenSSL does for CPython. */
const TLS13_SUITES = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";

function pem_of_der(der: Uint8Array): string {
  return new X509Certificate(der).toString();
}

function read_file(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw from_node_error(e);
  }
}

/** A PEM or DER file's certificates, as PEM text. */
function certificates_in(data: Buffer): string[] {
  const text = data.toString("latin1");
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (pems) return pems;
  try {
    return [pem_of_der(data)];
  } catch {
    return [];
  }
}

function password_bytes(p: Password | null | undefined): string | undefined {
  if (p === null || p === undefined) return undefined;
  const v = typeof p === "function" ? p() : p;
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("latin1");
  throw new TypeError("password callback must return a string");
}

/** Python's `ssl.SSLContext`. */
export class SSLContext {
  readonly protocol: number;
  #verify_mode: number;
  #check_hostname: boolean;
  options: number = DEFAULT_OPTIONS;
  verify_flags: number = VERIFY_X509_TRUSTED_FIRST;
  #minimum_version: number = TLSVersion.TLSv1_2;
  #maximum_version: number = TLSVersion.MAXIMUM_SUPPORTED;
  /** Kept for compatibility; Node always checks the common name only without subjectAltName. */
  hostname_checks_common_name = false;
  post_handshake_auth = false;
  #cert: { cert: Buffer; key: Buffer; passphrase: string | undefined } | null = null;
  #ca: string[] = [];
  #default_roots = false;
  #ciphers: string = `${PY_DEFAULT_CIPHERS}:${TLS13_SUITES}`;
  #alpn: string[] | null = null;
  /** Node's secure context, made when first needed and again after a change. */
  #secure: SecureContext | null = null;
  /** `options` when #secure was made (a public field, changed without a setter). */
  #secure_for = 0;
  /** Server-side tls.Servers by options, verify_mode and ALPN, for the current #secure (see _tls_server). */
  readonly #servers = new Map<string, TlsServer>();
  /**
   * The server _tls_server() last answered and what it was for: a server wraps every connection
   * with the same settings, and the map's key (a string made of `options`, a number above 2^31)
   * cost more per wrap than the rest of the lookup.
   */
  #last: { readonly server: TlsServer; readonly options: number; readonly verify_mode: number; readonly alpn: string[] | null } | null = null;

  constructor(protocol?: number) {
    const p = protocol ?? PROTOCOL_TLS;
    if (![PROTOCOL_TLS, PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, PROTOCOL_TLSv1, PROTOCOL_TLSv1_1, PROTOCOL_TLSv1_2].includes(p)) {
      throw new ValueError(`invalid or unsupported protocol version ${p}`);
    }
    this.protocol = p;
    // CPython: a client context verifies and checks host names; the others verify nothing.
    this.#verify_mode = p === PROTOCOL_TLS_CLIENT ? CERT_REQUIRED : CERT_NONE;
    this.#check_hostname = p === PROTOCOL_TLS_CLIENT;
    if (p === PROTOCOL_TLSv1) this.#minimum_version = this.#maximum_version = TLSVersion.TLSv1;
    if (p === PROTOCOL_TLSv1_1) this.#minimum_version = this.#maximum_version = TLSVersion.TLSv1_1;
    if (p === PROTOCOL_TLSv1_2) this.#minimum_version = this.#maximum_version = TLSVersion.TLSv1_2;
  }

  get verify_mode(): number {
    return this.#verify_mode;
  }

  set verify_mode(value: number) {
    if (value !== CERT_NONE && value !== CERT_OPTIONAL && value !== CERT_REQUIRED) {
      throw new ValueError("invalid value for verify_mode");
    }
    if (value === CERT_NONE && this.#check_hostname) {
      throw new ValueError("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.");
    }
    this.#verify_mode = value;
  }

  get check_hostname(): boolean {
    return this.#check_hostname;
  }

  /** Turning it on with verify_mode CERT_NONE sets CERT_REQUIRED, as CPython does. */
  set check_hostname(value: boolean) {
    if (value && this.#verify_mode === CERT_NONE) this.#verify_mode = CERT_REQUIRED;
    this.#check_hostname = Boolean(value);
  }

  get minimum_version(): number {
    return this.#minimum_version;
  }

  set minimum_version(v: number) {
    this.#set_version(v, "min");
  }

  get maximum_version(): number {
    return this.#maximum_version;
  }

  set maximum_version(v: number) {
    this.#set_version(v, "max");
  }

  #set_version(v: number, which: "min" | "max"): void {
    if (this.protocol !== PROTOCOL_TLS && this.protocol !== PROTOCOL_TLS_CLIENT && this.protocol !== PROTOCOL_TLS_SERVER) {
      throw new ValueError("The context's protocol doesn't support modification of highest and lowest version.");
    }
    if (!VERSION_NAME.has(v)) throw new ValueError(`Unsupported TLS/SSL version 0x${(v >>> 0).toString(16)}`);
    if (which === "min") this.#minimum_version = v;
    else this.#maximum_version = v;
    this.#changed();
  }

  /** Python's load_cert_chain(certfile, keyfile=None, password=None). */
  load_cert_chain(certfile: string, keyfile: string | null = null, password: Password | null = null): void {
    const cert = read_file(certfile);
    const key = keyfile === null ? cert : read_file(keyfile);
    const passphrase = password_bytes(password);
    try {
      createSecureContext({ cert, key, passphrase });
    } catch (e) {
      // CPython: "[SSL] PEM lib" for a file without the key or a wrong password.
      throw new SSLError(9, `[SSL] PEM lib (_ssl.c:${AT.context})`, "SSL", null, { cause: e });
    }
    this.#cert = { cert, key, passphrase };
    this.#changed();
  }

  /** Python's load_verify_locations(cafile=None, capath=None, cadata=None). */
  load_verify_locations(cafile: string | VerifyLocations | null = null, capath: string | null = null, cadata: string | Uint8Array | null = null): void {
    if (cafile !== null && typeof cafile === "object") ({ cafile = null, capath = null, cadata = null } = cafile);
    if (cafile === null && capath === null && cadata === null) {
      throw new TypeError("cafile, capath and cadata cannot be all omitted");
    }
    const found: string[] = [];
    if (cafile !== null) {
      const certs = certificates_in(read_file(cafile));
      if (certs.length === 0) throw new SSLError(136, `[X509: NO_CERTIFICATE_OR_CRL_FOUND] no certificate or crl found (_ssl.c:4186)`, "X509", "NO_CERTIFICATE_OR_CRL_FOUND");
      found.push(...certs);
    }
    if (capath !== null) {
      try {
        for (const name of readdirSync(capath)) {
          const p = join(capath, name);
          if (statSync(p).isFile()) found.push(...certificates_in(readFileSync(p)));
        }
      } catch (e) {
        if (e instanceof OSError) throw e;
        throw from_node_error(e);
      }
    }
    if (cadata !== null) {
      const certs = typeof cadata === "string" ? certificates_in(Buffer.from(cadata, "latin1")) : certificates_in(Buffer.from(cadata));
      if (certs.length === 0) throw new SSLError(136, `[X509: NO_CERTIFICATE_OR_CRL_FOUND] no certificate or crl found (_ssl.c:4186)`, "X509", "NO_CERTIFICATE_OR_CRL_FOUND");
      found.push(...certs);
    }
    this.#ca.push(...found);
    this.#changed();
  }

  /** The system's trust store: Node's bundled root certificates (PORTING.md, "ssl"). */
  set_default_verify_paths(): void {
    this.#default_roots = true;
    this.#changed();
  }

  /** Python's load_default_certs(purpose=Purpose.SERVER_AUTH). */
  load_default_certs(purpose: ASN1Object = Purpose.SERVER_AUTH): void {
    void purpose;
    this.set_default_verify_paths();
  }

  /** Python's set_ciphers(): an OpenSSL cipher string for TLS 1.2 and below. */
  set_ciphers(ciphers: string): void {
    const full = /(^|:)TLS_/.test(ciphers) ? ciphers : `${ciphers}:${TLS13_SUITES}`;
    try {
      createSecureContext({ ciphers: ciphers });
    } catch (e) {
      throw new SSLError(null, "No cipher can be selected.", null, null, { cause: e });
    }
    this.#ciphers = full;
    this.#changed();
  }

  /** Python's set_alpn_protocols(protocols). */
  set_alpn_protocols(protocols: readonly string[]): void {
    for (const p of protocols) {
      const n = Buffer.byteLength(p);
      if (n === 0 || n > 255) throw new ValueError("ALPN protocols must be 1 to 255 in length");
    }
    this.#alpn = [...protocols];
  }

  /** Python's get_ca_certs(binary_form=False): the certificates load_verify_locations() added. */
  get_ca_certs(binary_form = false): Array<Buffer | PeerCertDict> {
    return this.#ca.map((pem) => (binary_form ? new X509Certificate(pem).raw : decode_certificate(new X509Certificate(pem).raw)));
  }

  /** Python's wrap_socket(sock, server_side=False, do_handshake_on_connect=True, suppress_ragged_eofs=True, server_hostname=None). */
  wrap_socket(sock: socket, opts: WrapOptions = {}): SSLSocket {
    const server_side = opts.server_side ?? false;
    const server_hostname = opts.server_hostname ?? null;
    if (sock.type !== SOCK_STREAM) throw new NotImplementedError("only stream sockets are supported");
    if (server_side) {
      if (server_hostname !== null) throw new ValueError("server_hostname can only be specified in client mode");
    } else if (this.#check_hostname && server_hostname === null) {
      throw new ValueError("check_hostname requires server_hostname");
    }
    return SSLSocket._create(sock, this, {
      server_side,
      server_hostname,
      do_handshake_on_connect: opts.do_handshake_on_connect ?? true,
      suppress_ragged_eofs: opts.suppress_ragged_eofs ?? true,
    });
  }

  /** @internal Node's secure context for this context's current settings. */
  _secure_context(): SecureContext {
    if (this.#secure !== null && this.#secure_for === this.options) return this.#secure;
    try {
      this.#secure = createSecureContext(this.#secure_options());
    } catch (e) {
      throw new SSLError(1, `[SSL] ${(e as Error).message} (_ssl.c:${AT.context})`, "SSL", null, { cause: e });
    }
    this.#secure_for = this.options;
    return this.#secure;
  }

  /** A setting changed: contexts and servers are made again when next needed. */
  #changed(): void {
    this.#secure = null;
    this.#servers.clear();
    this.#last = null;
  }

  #secure_options(): SecureContextOptions {
    const ca = this.#default_roots ? [...this.#ca, ...rootCertificates] : this.#ca;
    const o: SecureContextOptions = {
      minVersion: VERSION_NAME.get(this.#minimum_version === TLSVersion.MINIMUM_SUPPORTED ? TLSVersion.TLSv1 : this.#minimum_version),
      maxVersion: VERSION_NAME.get(this.#maximum_version),
      secureOptions: this.options,
    };
    if (ca.length > 0) o.ca = ca;
    o.ciphers = this.#ciphers;
    if (this.#cert !== null) Object.assign(o, this.#cert);
    return o;
  }

  /**
   * @internal The tls.Server a server-side SSLSocket's connection is injected into (ARCHITECTURE.md,
   * "The ssl layer", the engine): one per set of settings, made when first needed (a secure context
   * costs a millisecond or more), never listening. OpenSSL asks for and checks a client's
   * certificate as verify_mode says; no handshake timeout (CPython has none).
   */
  _tls_server(): TlsServer {
    const alpn = this.#alpn;
    const last = this.#last;
    // set_alpn_protocols() replaces the list, never changes it: the same list object is the same setting.
    if (last !== null && last.options === this.options && last.verify_mode === this.#verify_mode && last.alpn === alpn) return last.server;
    const key = `${this.options}|${this.#verify_mode}|${alpn === null ? "" : alpn.join("\0")}`;
    let server = this.#servers.get(key);
    if (server !== undefined) {
      this.#last = { server, options: this.options, verify_mode: this.#verify_mode, alpn };
      return server;
    }
    try {
      server = new TlsServer({
        ...this.#secure_options(),
        // Node's default turns the option on whatever secureOptions says; CPython's options decide.
        honorCipherOrder: (this.options & OP_CIPHER_SERVER_PREFERENCE) !== 0,
        requestCert: this.#verify_mode !== CERT_NONE,
        rejectUnauthorized: this.#verify_mode === CERT_REQUIRED,
        ALPNProtocols: alpn ?? undefined,
        // Node arms a timer only for a positive handshakeTimeout, and takes 0 as its default (120 s).
        handshakeTimeout: -1,
      });
    } catch (e) {
      throw new SSLError(1, `[SSL] ${(e as Error).message} (_ssl.c:${AT.context})`, "SSL", null, { cause: e });
    }
    this.#servers.set(key, server);
    this.#last = { server, options: this.options, verify_mode: this.#verify_mode, alpn };
    return server;
  }

  /** @internal what the handshake needs besides the secure context */
  _alpn(): string[] | undefined {
    return this.#alpn ?? undefined;
  }

  /** @internal whether a certificate was loaded (a server needs one) */
  _has_cert(): boolean {
    return this.#cert !== null;
  }

  toString(): string {
    return "<ssl.SSLContext object>";
  }
}

/** Python's create_default_context(purpose=Purpose.SERVER_AUTH, *, cafile=None, capath=None, cadata=None). */
export function create_default_context(purpose: ASN1Object = Purpose.SERVER_AUTH, where: VerifyLocations = {}): SSLContext {
  let ctx: SSLContext;
  if (purpose === Purpose.SERVER_AUTH) ctx = new SSLContext(PROTOCOL_TLS_CLIENT);
  else if (purpose === Purpose.CLIENT_AUTH) ctx = new SSLContext(PROTOCOL_TLS_SERVER);
  else throw new ValueError(purpose as unknown as string);
  const { cafile = null, capath = null, cadata = null } = where;
  if (cafile !== null || capath !== null || cadata !== null) ctx.load_verify_locations(cafile, capath, cadata);
  else if (ctx.verify_mode !== CERT_NONE) ctx.load_default_certs(purpose);
  return ctx;
}
