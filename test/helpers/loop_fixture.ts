// The background-loop fixture of the example tests: a fresh map and loop() per test, cleanup, and no loop()/handle_error failures.
import { expect } from "chai";
import * as sinon from "sinon";
import * as asyncore from "../../src/asyncore/index.js";
import { with_timeout, type Child, type LineClient } from "./clients.js";

/** What one test of a suite that called loop_fixture() works with; filled afresh before each test. */
export class LoopFixture {
  /** The test's own socket map. */
  map!: asyncore.SocketMap;
  /** loop() over `map`, running in the background once run() was called (else null). */
  looping!: Promise<void> | null;
  /** What that loop() rejected with, or null. */
  loop_error: unknown;
  /** Node clients to close after the test. */
  clients!: LineClient[];
  /** Child processes to kill after the test. */
  children!: Child[];
  /** The test's sinon sandbox, restored after it: stub and spy through it. */
  readonly sandbox = sinon.createSandbox();
  /** A spy on dispatcher.prototype.handle_error: after the test it must not have been called (resetHistory() once a test has checked the calls it expected). */
  errors!: sinon.SinonSpy;

  /** Starts loop({ timeout: 1, map }) in the background; a rejection is kept in loop_error. */
  run(): void {
    this.looping = asyncore.loop({ timeout: 1, map: this.map }).catch((e: unknown) => {
      this.loop_error = e;
    });
  }
}

/**
 * Registers, in the calling describe(), a beforeEach that makes a fresh LoopFixture state and an
 * afterEach that closes the clients, kills the children, closes every channel of the map, waits
 * (bounded) for loop() to return, restores the sandbox, and expects no loop() rejection and no
 * handle_error call.
 */
export function loop_fixture(): LoopFixture {
  const f = new LoopFixture();
  beforeEach(() => {
    f.map = new Map();
    f.looping = null;
    f.loop_error = null;
    f.clients = [];
    f.children = [];
    f.errors = f.sandbox.spy(asyncore.dispatcher.prototype, "handle_error");
  });

  afterEach(async () => {
    for (const c of f.clients) c.close();
    for (const c of f.children) c.kill();
    asyncore.close_all(f.map);
    try {
      if (f.looping) await with_timeout(f.looping, 5000, "loop() to return after close_all");
    } finally {
      f.sandbox.restore();
    }
    expect(f.loop_error, "loop() rejected").to.equal(null);
    expect(f.errors.callCount, "handle_error calls").to.equal(0);
  });
  return f;
}
