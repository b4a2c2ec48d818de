// Names from the hosts file: read as getaddrinfo's "files" source reads them, so bind() to them is synchronous.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { hosts_address } from "../../src/socket/hosts.js";
import { AF_INET, SOCK_STREAM, socket } from "../../src/socket/index.js";

describe("socket: hosts_address() reads a hosts file", () => {
  let dir = "";
  let file = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "asyncore-ts-hosts-"));
    file = join(dir, "hosts");
    writeFileSync(
      file,
      [
        "# a comment line",
        "127.0.0.1\tlocalhost   Box.Example box # trailing comment",
        "::1 localhost ip6-localhost",
        "  10.1.2.3 other",
        "not-an-address broken",
        "",
      ].join("\n"),
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("gives the first address of the wanted version listing the name, case-insensitively", () => {
    expect(hosts_address("localhost", 4, file)).to.equal("127.0.0.1");
    expect(hosts_address("localhost", 6, file)).to.equal("::1");
    expect(hosts_address("BOX", 4, file)).to.equal("127.0.0.1");
    expect(hosts_address("other", 4, file)).to.equal("10.1.2.3");
  });

  it("gives null for a name it does not list, one listed only in the other version, comments and broken lines", () => {
    expect(hosts_address("missing", 4, file)).to.equal(null);
    expect(hosts_address("ip6-localhost", 4, file)).to.equal(null);
    expect(hosts_address("comment", 4, file)).to.equal(null);
    expect(hosts_address("broken", 4, file)).to.equal(null);
  });

  it("gives null when the file cannot be read", () => {
    expect(hosts_address("localhost", 4, join(dir, "absent"))).to.equal(null);
  });
});

describe("socket: bind() to a name the system hosts file lists", () => {
  const open: socket[] = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });

  it("binds at once to the address the file gives, as getaddrinfo would", function () {
    const want = hosts_address("localhost", 4);
    if (want === null) this.skip(); // this machine's hosts file does not list localhost
    const s = new socket(AF_INET, SOCK_STREAM);
    open.push(s);
    s.bind(["localhost", 0]);
    const [host, port] = s.getsockname() as [string, number];
    expect(host).to.equal(want);
    expect(port).to.be.within(1, 65535);
  });
});
