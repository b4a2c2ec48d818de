// The OpenSSL that Node was built with: its version as Python's OPENSSL_VERSION_INFO tuple.

/** (major, minor, fix, patch, status) from Node's "3.0.19" or "3.0.19+quic"; status 15 (release). */
export function version_info(): [number, number, number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(process.versions.openssl ?? "") ?? ["", "0", "0", "0"];
  // OpenSSL 3's numbering: (3, 0, 0, 19, 0) for 3.0.19, as CPython reports it.
  return [Number(m[1]), Number(m[2]), 0, Number(m[3]), 0];
}
