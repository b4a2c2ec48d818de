// Makes the README's screenshot of the live inspector: the echo server, a client typing two lines, the second one stepped.
//
//   npx tsc -p . && node dist/test/helpers/page_screenshot.js docs/inspector.png
import * as asyncore from "../../src/asyncore/index.js";
import { inspect } from "../../src/inspect/index.js";
import { EchoServer } from "../../examples/echo_server.js";
import { launch_browser } from "./browser.js";
import { LineClient } from "./clients.js";

const out = process.argv[2] ?? "docs/inspector.png";
const map: asyncore.SocketMap = new Map();
const server = new EchoServer("127.0.0.1", 0, map);
const insp = inspect({ map, title: "examples/echo_server.ts" });
const b = await launch_browser();
// One second, so that the quiet loop shows a timeout or two before the client comes.
const looping = asyncore.loop({ map, timeout: 1 });
try {
  const page = await b.browser.newPage();
  await page.setViewportSize({ width: 1280, height: 720 });
  page.setDefaultTimeout(10000);
  await page.goto(insp.url);
  await page.locator("#status", { hasText: "running" }).waitFor();
  await page.waitForTimeout(2300);
  const client = await LineClient.connect(server.socket!.getsockname() as [string, number]);
  const row = page.locator("#grid tbody tr", { has: page.locator("th button", { hasText: /^\d+ EchoHandler</ }) });
  await row.waitFor();
  client.sock.write("hello\n");
  await client.read_line();
  await page.click("#pause");
  await page.locator("#status", { hasText: "paused" }).waitFor();
  client.sock.write("world\n");
  await page.click("#step");
  await client.read_line();
  await page.locator("#status", { hasText: /paused after #\d+$/ }).waitFor();
  await row.locator("th button").click();
  await page.locator("#detail pre.py").waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
  await page.click("#resume");
  client.close();
} finally {
  await b.close();
  insp.close();
  asyncore.close_all(map);
  await looping;
}
