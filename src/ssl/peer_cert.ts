// getpeercert()'s dict: a certificate as CPython's _ssl._decode_certificate shows it.
import { X509Certificate } from "node:crypto";

/** One relative distinguished name: ((attribute, value), ...). */
export type RDN = ReadonlyArray<readonly [string, string]>;

/** The dict getpeercert() returns, with Python's keys. */
export interface PeerCertDict {
  readonly subject: readonly RDN[];
  readonly issuer: readonly RDN[];
  readonly version: number;
  readonly serialNumber: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly subjectAltName?: ReadonlyArray<readonly [string, string]>;
  readonly OCSP?: readonly string[];
  readonly caIssuers?: readonly string[];
}

/** OpenSSL's short names → the long names Python shows (OBJ_nid2ln). */
const LONG: Readonly<Record<string, string>> = {
  C: "countryName",
  ST: "stateOrProvinceName",
  L: "localityName",
  O: "organizationName",
  OU: "organizationalUnitName",
  CN: "commonName",
  emailAddress: "emailAddress",
  DC: "domainComponent",
  UID: "userId",
  serialNumber: "serialNumber",
  street: "streetAddress",
  postalCode: "postalCode",
  GN: "givenName",
  SN: "surname",
  title: "title",
  name: "name",
  initials: "initials",
  dnQualifier: "dnQualifier",
  pseudonym: "pseudonym",
  businessCategory: "businessCategory",
  jurisdictionC: "jurisdictionCountryName",
  jurisdictionST: "jurisdictionStateOrProvinceName",
  jurisdictionL: "jurisdictionLocalityName",
};

/** Node's "C=XY\nO=…\nCN=…" (values of multi-valued RDNs joined with "+") as Python's tuple of RDNs. */
function names(dn: string): RDN[] {
  const out: RDN[] = [];
  for (const line of dn.split("\n")) {
    if (line === "") continue;
    const rdn: Array<readonly [string, string]> = [];
    for (const part of line.split("+")) {
      const eq = part.indexOf("=");
      const key = part.slice(0, eq);
      let value = part.slice(eq + 1);
      // Node quotes values with special characters as JSON strings.
      if (value.startsWith('"') && value.endsWith('"')) {
        try {
          value = JSON.parse(value) as string;
        } catch {
          /* kept as given */
        }
      }
      rdn.push([LONG[key] ?? key, value]);
    }
    out.push(rdn);
  }
  return out;
}

/** "DNS:a, IP Address:1.2.3.4" as (("DNS", "a"), ("IP Address", "1.2.3.4")). */
function alt_names(s: string | undefined): Array<readonly [string, string]> {
  if (!s) return [];
  return s.split(", ").map((item) => {
    const colon = item.indexOf(":");
    let value = item.slice(colon + 1);
    if (value.startsWith('"') && value.endsWith('"')) value = JSON.parse(value) as string;
    return [item.slice(0, colon), value] as const;
  });
}

/** IPv6 as OpenSSL prints it in subjectAltName (and Python shows): eight groups, no compression. */
function expand_ipv6(kind: string, value: string): string {
  if (kind !== "IP Address" || !value.includes(":")) return value;
  const [head, tail] = value.includes("::") ? value.split("::") : [value, undefined];
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.map((g) => Number.parseInt(g, 16).toString(16).toUpperCase()).join(":");
}

/** The certificate (DER) as CPython's getpeercert() dict shows it. */
export function decode_certificate(der: Buffer): PeerCertDict {
  const x = new X509Certificate(der);
  const san = alt_names(x.subjectAltName).map(([k, v]) => [k, expand_ipv6(k, v)] as const);
  const access = x.infoAccess ?? "";
  const ocsp: string[] = [];
  const ca: string[] = [];
  for (const line of access.split("\n")) {
    const m = /^(OCSP|CA Issuers) - URI:(.*)$/.exec(line);
    if (m) (m[1] === "OCSP" ? ocsp : ca).push(m[2]!);
  }
  return {
    subject: names(x.subject),
    issuer: names(x.issuer),
    version: 3,
    serialNumber: x.serialNumber.toUpperCase(),
    notBefore: x.validFrom,
    notAfter: x.validTo,
    ...(san.length > 0 ? { subjectAltName: san } : {}),
    ...(ocsp.length > 0 ? { OCSP: ocsp } : {}),
    ...(ca.length > 0 ? { caIssuers: ca } : {}),
  };
}
