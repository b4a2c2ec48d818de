// A headless Chromium for the page tests (Debian's, driven by playwright-core), and a clear skip when it is missing.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";

/** Debian's package; .ci/run installs it where it can. */
export const CHROMIUM = "/usr/bin/chromium";

/** Why the browser tests cannot run here, or null when they can. */
export function browser_missing(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} (Debian's chromium package: apt-get install chromium)`;
  try {
    createRequire(import.meta.url).resolve("playwright-core");
  } catch {
    return "the playwright-core package (npm ci installs it)";
  }
  return null;
}

/** A browser with a fresh profile (its one context); `close()` ends it and removes the profile. */
export interface TestBrowser {
  readonly browser: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches Chromium, or (called from a before hook) skips the rest of the describe, saying what
 * is missing.
 */
export async function browser_or_skip(ctx: Mocha.Context): Promise<TestBrowser> {
  const missing = browser_missing();
  if (missing !== null) {
    console.log(`      (skipped: the browser tests need ${missing}, which is not available on this machine)`);
    ctx.skip();
  }
  return launch_browser();
}

/** Launches Chromium, quiet and offline: no first-run pages, no component updates, no sync, no QUIC. */
export async function launch_browser(): Promise<TestBrowser> {
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "asyncore-ts-chromium-"));
  // playwright passes the profile to Chromium as --user-data-dir.
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30000,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync",
    ],
  }).catch((e: unknown) => {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
