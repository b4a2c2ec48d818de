// Certificate verification results as OpenSSL numbers and words them (X509_V_ERR_*), from Node's codes.
import { checkServerIdentity, type DetailedPeerCertificate, type PeerCertificate } from "node:tls";
import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";

/** Node's authorizationError code → OpenSSL's X509_V_ERR number and X509_verify_cert_error_string text. */
const X509: Readonly<Record<string, readonly [number, string]>> = {
  UNABLE_TO_GET_ISSUER_CERT: [2, "unable to get issuer certificate"],
  UNABLE_TO_GET_CRL: [3, "unable to get certificate CRL"],
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: [4, "unable to decrypt certificate's signature"],
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: [6, "unable to decode issuer public key"],
  CERT_SIGNATURE_FAILURE: [7, "certificate signature failure"],
  CERT_NOT_YET_VALID: [9, "certificate is not yet valid"],
  CERT_HAS_EXPIRED: [10, "certificate has expired"],
  ERROR_IN_CERT_NOT_BEFORE_FIELD: [13, "format error in certificate's notBefore field"],
  ERROR_IN_CERT_NOT_AFTER_FIELD: [14, "format error in certificate's notAfter field"],
  DEPTH_ZERO_SELF_SIGNED_CERT: [18, "self-signed certificate"],
  SELF_SIGNED_CERT_IN_CHAIN: [19, "self-signed certificate in certificate chain"],
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: [20, "unable to get local issuer certificate"],
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: [21, "unable to verify the first certificate"],
  CERT_CHAIN_TOO_LONG: [22, "certificate chain too long"],
  CERT_REVOKED: [23, "certificate revoked"],
  INVALID_CA: [24, "invalid CA certificate"],
  PATH_LENGTH_EXCEEDED: [25, "path length constraint exceeded"],
  INVALID_PURPOSE: [26, "unsupported certificate purpose"],
  CERT_UNTRUSTED: [27, "certificate not trusted"],
  CERT_REJECTED: [28, "certificate rejected"],
};

/** A failed verification: OpenSSL's code and message. */
export interface VerifyFailure {
  readonly code: number;
  readonly message: string;
}

/** The chain's verdict from Node's authorizationError (null: verified). */
export function chain_failure(authorization_error: Error | string | null | undefined): VerifyFailure | null {
  if (authorization_error === null || authorization_error === undefined) return null;
  const code = typeof authorization_error === "string" ? authorization_error : ((authorization_error as { code?: string }).code ?? "");
  const known = X509[code];
  if (known) return { code: known[0], message: known[1] };
  return { code: 1, message: code.toLowerCase().replace(/_/g, " ") || "unspecified certificate verification error" };
}

/**
 * The host name check OpenSSL makes for CPython (X509_VERIFY_PARAM_set1_host / set1_ip):
 * Node's checkServerIdentity decides, the code and words are OpenSSL's.
 */
export function hostname_failure(hostname: string, cert: PeerCertificate): VerifyFailure | null {
  const err = checkServerIdentity(hostname.replace(/^\[|\]$/g, ""), cert);
  if (err === undefined) return null;
  return isIP(hostname.replace(/^\[|\]$/g, ""))
    ? { code: 64, message: `IP address mismatch, certificate is not valid for '${hostname}'.` }
    : { code: 62, message: `Hostname mismatch, certificate is not valid for '${hostname}'.` };
}

/** Issued and signed by `issuer`. */
function signed_by(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * A peer's chain checked against the trusted certificates, for the server side, where Node
 * computes no verdict for a TLSSocket made outside a tls.Server (PORTING.md, "ssl"): validity
 * dates, then each link's signature up to a trusted certificate; OpenSSL's codes and words.
 */
export function verify_chain(peer: DetailedPeerCertificate, trusted: readonly X509Certificate[], now: Date = new Date()): VerifyFailure | null {
  let cert = new X509Certificate(peer.raw);
  let link: DetailedPeerCertificate | undefined = peer;
  for (let depth = 0; depth < 10; depth++) {
    if (now < new Date(cert.validFrom)) return { code: 9, message: "certificate is not yet valid" };
    if (now > new Date(cert.validTo)) return { code: 10, message: "certificate has expired" };
    if (trusted.some((t) => t.fingerprint256 === cert.fingerprint256 || signed_by(cert, t))) return null;
    if (signed_by(cert, cert)) return depth === 0 ? { code: 18, message: "self-signed certificate" } : { code: 19, message: "self-signed certificate in certificate chain" };
    const next: DetailedPeerCertificate | undefined = link?.issuerCertificate;
    if (next === undefined || next === link || next.raw === undefined) break;
    const up = new X509Certificate(next.raw);
    if (!signed_by(cert, up)) break;
    cert = up;
    link = next;
  }
  return { code: 20, message: "unable to get local issuer certificate" };
}
