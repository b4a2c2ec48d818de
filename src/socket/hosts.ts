// Host names answered from the hosts file, as getaddrinfo's "files" source does, so bind() to them stays synchronous.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";

const HOSTS_FILE = "/etc/hosts";

/**
 * The first address the hosts file gives `name` in the wanted IP version (4 or 6), or null when
 * the file does not list it (or cannot be read). Read at each call: bind() is rare and the file
 * may change while a program runs.
 */
export function hosts_address(name: string, version: 4 | 6, file: string = HOSTS_FILE): string | null {
  let text: string;
  try {
    text = readFileSync(file, "latin1");
  } catch {
    return null;
  }
  const wanted = name.toLowerCase();
  for (const raw of text.split("\n")) {
    const line = raw.split("#", 1)[0]!.trim();
    if (line === "") continue;
    const [address, ...names] = line.split(/\s+/);
    if (address === undefined || isIP(address) !== version) continue;
    if (names.some((n) => n.toLowerCase() === wanted)) return address;
  }
  return null;
}
