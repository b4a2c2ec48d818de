// Certificate verification results as OpenSSL numbers and words them (X509_V_ERR_*), from Node's codes.
import { checkServerIdentity, type PeerCertificate } from "node:tls";
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
