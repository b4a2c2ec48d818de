// PORTING.md's class-attribute recipes, each a small program: a shared mutable class attribute
// (smtpd's command_size_limits, CPython's behaviour and bug included), overriding a class
// attribute so the base constructor sees it, and fields that must be `declare`d so they do not
// wipe what the base constructor set.
import { spawnSync } from "node:child_process";
import { expect } from "chai";
import { async_chat } from "../../src/asynchat/index.js";
import * as asyncore from "../../src/asyncore/index.js";
import { AF_INET, SOCK_STREAM, socket } from "../../src/socket/index.js";
import { python3_or_skip } from "../helpers/python.js";

/** collections.defaultdict: a missing key reads as (and is stored as) `factory()`. */
class defaultdict<K, V> extends Map<K, V> {
  constructor(private readonly factory: () => V) {
    super();
  }
  override get(key: K): V {
    if (!this.has(key)) this.set(key, this.factory());
    return super.get(key)!;
  }
}

// ---- Recipe 1: a shared mutable class attribute is a static, read through an accessor ----------
//
// class SMTPChannel(asynchat.async_chat):
//     command_size_limit = 512
//     command_size_limits = collections.defaultdict(lambda x=command_size_limit: x)
//     @property
//     def max_command_size_limit(self):
//         try: return max(self.command_size_limits.values())
//         except ValueError: return self.command_size_limit
//     def smtp_EHLO(self, arg):
//         ...
//         if self.data_size_limit:
//             self.command_size_limits['MAIL'] += 26

class SMTPChannel extends async_chat {
  static command_size_limit = 512;
  static command_size_limits: Map<string, number> = new defaultdict(() => SMTPChannel.command_size_limit);
  data_size_limit = 33554432;

  /** `self.command_size_limits`: the class's (or a subclass's own) object, shared by every instance. */
  get command_size_limits(): Map<string, number> {
    return (this.constructor as typeof SMTPChannel).command_size_limits;
  }
  /** `self.command_size_limits = x` makes an instance attribute that shadows the class's, as in Python. */
  set command_size_limits(value: Map<string, number>) {
    Object.defineProperty(this, "command_size_limits", { value, writable: true, enumerable: true, configurable: true });
  }
  get command_size_limit(): number {
    return (this.constructor as typeof SMTPChannel).command_size_limit;
  }

  get max_command_size_limit(): number {
    const values = [...this.command_size_limits.values()];
    return values.length > 0 ? Math.max(...values) : this.command_size_limit;
  }

  smtp_EHLO(_arg: string): void {
    if (this.data_size_limit) this.command_size_limits.set("MAIL", this.command_size_limits.get("MAIL")! + 26);
  }
}

// ---- Recipe 2: an override the base constructor must see is a getter (or a prototype value) ----
//
// class Base:
//     greeting = "220 base"
//     def __init__(self): self.first_line = self.greeting
// class Mine(Base):
//     greeting = "220 mine"           # Base.__init__ sees it: Mine().first_line == "220 mine"

/** The class attributes, declared by interface merging so a subclass may override with a field or a getter. */
interface Base {
  greeting: string;
}
class Base {
  first_line: string;
  constructor() {
    this.first_line = this.greeting;
  }
}
Base.prototype.greeting = "220 base"; // the class attribute, on the prototype, as the library keeps its defaults

class MineWithField extends Base {
  override greeting = "220 mine"; // set after Base's constructor ran: too late for it
}

class MineWithGetter extends Base {
  override get greeting(): string {
    return "220 mine";
  }
}

class MineWithPrototype extends Base {}
MineWithPrototype.prototype.greeting = "220 mine";

// ---- Recipe 3: a field the base constructor assigns (through an overridden method) is `declare`d

class Recorder extends asyncore.dispatcher {
  sockets_seen: number[] = []; // an initialiser: runs after dispatcher's constructor, wiping the list
  override set_socket(sock: asyncore.SocketLike, map?: asyncore.SocketMap | null): void {
    (this.sockets_seen ??= []).push(sock.fileno());
    super.set_socket(sock, map);
  }
}

class RecorderUndefined extends asyncore.dispatcher {
  sockets_seen?: number[]; // no initialiser, still a field: ES2022 defines it as undefined after super()
  override set_socket(sock: asyncore.SocketLike, map?: asyncore.SocketMap | null): void {
    (this.sockets_seen ??= []).push(sock.fileno());
    super.set_socket(sock, map);
  }
}

class RecorderDeclared extends asyncore.dispatcher {
  declare sockets_seen: number[]; // a type only: no field is emitted, the constructor's value stays
  override set_socket(sock: asyncore.SocketLike, map?: asyncore.SocketMap | null): void {
    (this.sockets_seen ??= []).push(sock.fileno());
    super.set_socket(sock, map);
  }
}

describe("porting recipes: class attributes", () => {
  afterEach(() => {
    SMTPChannel.command_size_limits.clear();
  });

  it("a shared mutable class attribute (smtpd's command_size_limits) is one object for every channel, as CPython's", function () {
    const map: asyncore.SocketMap = new Map();
    const ch1 = new SMTPChannel(null, map);
    const ch2 = new SMTPChannel(null, map);
    const before = [ch1.command_size_limits.get("MAIL"), ch1.max_command_size_limit];
    ch1.smtp_EHLO("x");
    ch2.smtp_EHLO("y");
    const ours = [
      ...before, ch1.command_size_limits.get("MAIL"), ch2.max_command_size_limit,
      ch1.command_size_limits === SMTPChannel.command_size_limits, ch1.command_size_limits.get("HELO"),
    ];
    expect(ours).to.deep.equal([512, 512, 564, 564, true, 512]); // the bug: each EHLO raises every channel's limit

    const py = python3_or_skip(this, "smtpd");
    const r = spawnSync(py, ["-W", "ignore", "-c", `
import smtpd, socket, json
a, b = socket.socketpair(); c, d = socket.socketpair()
ch1 = smtpd.SMTPChannel(None, a, None, map={}); ch2 = smtpd.SMTPChannel(None, c, None, map={})
before = [ch1.command_size_limits['MAIL'], ch1.max_command_size_limit]
ch1.smtp_EHLO('x'); ch2.smtp_EHLO('y')
print(json.dumps(before + [ch1.command_size_limits['MAIL'], ch2.max_command_size_limit,
      ch1.command_size_limits is smtpd.SMTPChannel.command_size_limits, ch1.command_size_limits['HELO']]))
`], { encoding: "utf8", timeout: 10000 });
    expect(r.status, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal(ours);
  });

  it("a subclass's own static replaces the shared object for its instances; assigning on an instance shadows it", () => {
    class Own extends SMTPChannel {
      static override command_size_limits: Map<string, number> = new defaultdict(() => 1000);
    }
    const map: asyncore.SocketMap = new Map();
    const own = new Own(null, map);
    own.smtp_EHLO("z");
    expect(own.command_size_limits.get("MAIL")).to.equal(1026);
    expect(SMTPChannel.command_size_limits.has("MAIL")).to.equal(false);
    const solo = new SMTPChannel(null, map);
    solo.command_size_limits = new defaultdict(() => 7);
    solo.smtp_EHLO("w");
    expect(solo.command_size_limits.get("MAIL")).to.equal(33);
    expect(SMTPChannel.command_size_limits.has("MAIL")).to.equal(false);
  });

  it("an override the base constructor reads must be a getter or a prototype value: a field comes too late", () => {
    expect(new MineWithField().first_line).to.equal("220 base");
    expect(new MineWithField().greeting).to.equal("220 mine");
    expect(new MineWithGetter().first_line).to.equal("220 mine");
    expect(new MineWithPrototype().first_line).to.equal("220 mine");
  });

  it("a field the base constructor fills through an overridden method must be declared, or ES2022 wipes it", () => {
    const map: asyncore.SocketMap = new Map();
    const made = [Recorder, RecorderUndefined, RecorderDeclared].map((cls) => {
      const s = new socket(AF_INET, SOCK_STREAM);
      const d = new cls(s, map);
      return [d, s.fileno()] as const;
    });
    try {
      const [[wiped], [undef], [kept, fd]] = made;
      expect(wiped.sockets_seen).to.deep.equal([]);
      expect(undef.sockets_seen).to.equal(undefined);
      expect(kept.sockets_seen).to.deep.equal([fd]);
    } finally {
      asyncore.close_all(map);
    }
  });
});
