// The ssl module's constants: protocols, verify modes, options, TLS versions, error numbers, Purpose.
import { version_info } from "./openssl.js";

export const PROTOCOL_SSLv23 = 2;
export const PROTOCOL_TLS = 2;
export const PROTOCOL_TLSv1 = 3;
export const PROTOCOL_TLSv1_1 = 4;
export const PROTOCOL_TLSv1_2 = 5;
export const PROTOCOL_TLS_CLIENT = 16;
export const PROTOCOL_TLS_SERVER = 17;

/** Python's VerifyMode. */
export const CERT_NONE = 0;
export const CERT_OPTIONAL = 1;
export const CERT_REQUIRED = 2;
export const VerifyMode = { CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED } as const;

export const VERIFY_DEFAULT = 0;
export const VERIFY_CRL_CHECK_LEAF = 4;
export const VERIFY_CRL_CHECK_CHAIN = 12;
export const VERIFY_X509_STRICT = 32;
export const VERIFY_ALLOW_PROXY_CERTS = 64;
export const VERIFY_X509_TRUSTED_FIRST = 32768;
export const VERIFY_X509_PARTIAL_CHAIN = 524288;

/** Python's Options: OpenSSL's SSL_OP_* values (OpenSSL 3.0), passed to Node as `secureOptions`. */
export const OP_ALL = 0x80000050;
export const OP_NO_SSLv2 = 0;
export const OP_NO_SSLv3 = 0x02000000;
export const OP_NO_TLSv1 = 0x04000000;
export const OP_NO_TLSv1_1 = 0x10000000;
export const OP_NO_TLSv1_2 = 0x08000000;
export const OP_NO_TLSv1_3 = 0x20000000;
export const OP_CIPHER_SERVER_PREFERENCE = 0x00400000;
export const OP_SINGLE_DH_USE = 0;
export const OP_SINGLE_ECDH_USE = 0;
export const OP_NO_COMPRESSION = 0x00020000;
export const OP_NO_TICKET = 0x00004000;
export const OP_NO_RENEGOTIATION = 0x40000000;
export const OP_ENABLE_MIDDLEBOX_COMPAT = 0x00100000;
export const OP_IGNORE_UNEXPECTED_EOF = 0x80;
/** A context's options when made, as CPython 3.11 sets them. */
export const DEFAULT_OPTIONS =
  (OP_ALL | OP_NO_SSLv3 | OP_NO_COMPRESSION | OP_CIPHER_SERVER_PREFERENCE | OP_ENABLE_MIDDLEBOX_COMPAT) >>> 0;

/** Python's TLSVersion (an IntEnum: the protocol's wire numbers, and two markers). */
export const TLSVersion = {
  MINIMUM_SUPPORTED: -2,
  MAXIMUM_SUPPORTED: -1,
  SSLv3: 0x0300,
  TLSv1: 0x0301,
  TLSv1_1: 0x0302,
  TLSv1_2: 0x0303,
  TLSv1_3: 0x0304,
} as const;
export type TLSVersion = (typeof TLSVersion)[keyof typeof TLSVersion];

/** Python's SSLErrorNumber: the `errno` of each SSLError. */
export const SSL_ERROR_SSL = 1;
export const SSL_ERROR_WANT_READ = 2;
export const SSL_ERROR_WANT_WRITE = 3;
export const SSL_ERROR_WANT_X509_LOOKUP = 4;
export const SSL_ERROR_SYSCALL = 5;
export const SSL_ERROR_ZERO_RETURN = 6;
export const SSL_ERROR_WANT_CONNECT = 7;
export const SSL_ERROR_EOF = 8;
export const SSL_ERROR_INVALID_ERROR_CODE = 10;

export const HAS_SNI = true;
export const HAS_ALPN = true;
export const HAS_NPN = false;
export const HAS_ECDH = true;
export const HAS_SSLv2 = false;
export const HAS_SSLv3 = false;
export const HAS_TLSv1 = true;
export const HAS_TLSv1_1 = true;
export const HAS_TLSv1_2 = true;
export const HAS_TLSv1_3 = true;
export const HAS_NEVER_CHECK_COMMON_NAME = true;
export const CHANNEL_BINDING_TYPES: readonly string[] = ["tls-unique"];

/** The OpenSSL under Node (not CPython's): `OpenSSL 3.0.19`, without the release date Node does not give. */
export const OPENSSL_VERSION = `OpenSSL ${process.versions.openssl}`;
export const OPENSSL_VERSION_INFO: readonly [number, number, number, number, number] = version_info();
export const OPENSSL_VERSION_NUMBER =
  OPENSSL_VERSION_INFO[0] * 0x10000000 + OPENSSL_VERSION_INFO[1] * 0x100000 + OPENSSL_VERSION_INFO[3] * 0x10;

/** Python's `_ASN1Object`: what Purpose's members are. */
export interface ASN1Object {
  readonly nid: number;
  readonly shortname: string;
  readonly longname: string;
  readonly oid: string;
}

/** Python's `ssl.Purpose`: what a context made by create_default_context() authenticates. */
export const Purpose = {
  SERVER_AUTH: Object.freeze({ nid: 129, shortname: "serverAuth", longname: "TLS Web Server Authentication", oid: "1.3.6.1.5.5.7.3.1" }),
  CLIENT_AUTH: Object.freeze({ nid: 130, shortname: "clientAuth", longname: "TLS Web Client Authentication", oid: "1.3.6.1.5.5.7.3.2" }),
} as const satisfies Record<string, ASN1Object>;
