/**
 * The capture viewer end to end, in Debian's Chromium through playwright-core:
 * the page as `npm run build:viewer` builds it opens the captures the project
 * recorded from the live kernel, and what it shows is checked against the
 * state those captures were recorded from (test/fixtures/captures/README.md).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CaptureDecoder, readCaptureBytes } from "@nlwire/codec/capture";
import { ROOT } from "../../tools/paths.js";
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing, freshProfile } from "./chromium.js";
import { buildAndServe, type Served } from "./serve.js";
import { replicateCapture } from "./big-capture.js";

// What the functions passed to page.evaluate / waitForFunction use: they run in
// the page, while this file is compiled without the DOM library.
interface PageElement {
  textContent: string | null;
  value: string;
  dataset: Record<string, string | undefined>;
  click(): void;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): { length: number };
};
declare function requestAnimationFrame(callback: (time: number) => void): number;

const CAPTURES = join(ROOT, "test/fixtures/captures");
const OUTPUT = join(ROOT, "test/viewer/output");
const RTNL = join(CAPTURES, "rtnl-dumps-events.pcapng");
const GENL = join(CAPTURES, "genl-nlctrl-netdev.pcapng");

function messagesIn(path: string): number {
  const d = new CaptureDecoder();
  return readCaptureBytes(new Uint8Array(readFileSync(path))).records.reduce((n, r) => n + d.decode(r).length, 0);
}

let served: Served;
let context: BrowserContext;
let profile: string;

async function openCapture(path: string): Promise<Page> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  // Everything the page loads comes from the page's own server: the capture never leaves the browser.
  page.on("request", (r) => !r.url().startsWith(served.url) && !/^(data|blob):/.test(r.url()) && problems.push(`request to ${r.url()}`));
  await page.goto(served.url);
  await page.setInputFiles("#file", path);
  (page as Page & { problems?: string[] }).problems = problems;
  return page;
}

const done = (page: Page) => page.waitForSelector('#status[data-done="true"]', { timeout: 30_000 });
const rowTexts = (page: Page) => page.locator("#rows .row").allInnerTexts();

async function filter(page: Page, text: string): Promise<string[]> {
  await page.fill("#filter", text);
  await page.waitForFunction(
    (t) => document.getElementById("filter")!.value === t && !document.getElementById("filter-error")!.textContent,
    text,
  );
  // The list shows what the worker answered for this filter: wait until the count settles.
  await page.waitForFunction(() => {
    const s = document.getElementById("status")!;
    const rows = document.querySelectorAll("#rows .row").length;
    return rows === Math.min(Number(s.dataset.shown), rows) && rows > 0;
  });
  await page.waitForTimeout(300);
  return (await rowTexts(page)).map((r) => r.replace(/\s+/g, " "));
}

describe("capture viewer in Chromium", () => {
  beforeAll(async () => {
    const missing = chromiumMissing();
    if (missing) throw new Error(missing);
    served = await buildAndServe();
    profile = freshProfile();
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, viewport: { width: 1500, height: 900 },
    });
    mkdirSync(OUTPUT, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    await served?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("shows the interfaces, addresses and routes of a recorded rtnetlink capture", async () => {
    const page = await openCapture(RTNL);
    await done(page);
    expect(Number(await page.getAttribute("#status", "data-messages"))).toBe(messagesIn(RTNL));

    // ip link add v0 type veth peer name v1; ip link add br0 type bridge; ip link set v0 master br0
    const links = await filter(page, "family=rt-link type=getlink dir=in");
    expect(links).toEqual(expect.arrayContaining([
      expect.stringMatching(/rt-link getlink reply lo\b/),
      expect.stringMatching(/getlink reply v1 veth up/),
      expect.stringMatching(/getlink reply v0 veth master br0 up/),
      expect.stringMatching(/getlink reply br0 bridge/),
    ]));
    // ip addr add 10.0.0.1/24 dev v1; ip addr add 2001:db8::1/64 dev v1
    const addrs = await filter(page, "type=getaddr dir=in");
    expect(addrs).toEqual(expect.arrayContaining([
      expect.stringContaining("10.0.0.1/24 dev v1"), expect.stringContaining("2001:db8::1/64 dev v1"), expect.stringContaining("127.0.0.1/8 dev lo"),
    ]));
    // ip route add 10.9.0.0/16 via 10.0.0.2 dev v1; ip route add 2001:db8:9::/48 via 2001:db8::2 dev v1
    const routes = await filter(page, "family=rt-route via");
    expect(routes).toEqual(expect.arrayContaining([
      expect.stringContaining("10.9.0.0/16 via 10.0.0.2 dev v1"), expect.stringContaining("2001:db8:9::/48 via 2001:db8::2 dev v1"),
    ]));
    // The refused RTM_NEWLINK: the kernel's ext-ack text.
    expect(await filter(page, "type=ERROR")).toEqual([expect.stringContaining("ACK ack of seq"), expect.stringMatching(/ERROR ERANGE .*Attribute failed policy validation for newlink/)]);

    // The picture: v0 inside br0, v0 and v1 joined as veth peers, v2/v3 created and deleted.
    await expect.poll(() => page.locator('#links g.link[data-name="v0"][data-master="br0"]').count()).toBe(1);
    expect(await page.locator('#links path.peer[data-peers="v1 v0"]').count()).toBe(1);
    expect(await page.locator('#links g.link.deleted').evaluateAll((gs) => gs.map((g) => g.getAttribute("data-name")).sort())).toEqual(["v2", "v3"]);

    // Into one message: the route's tree, and its RTA_DST bytes marked in the hex.
    await filter(page, "10.9.0.0/16");
    await page.locator("#rows .row", { hasText: "getroute reply" }).first().click();
    await page.waitForSelector("#tree .node");
    const tree = await page.locator("#tree").innerText();
    expect(tree).toContain('rtm-type: "unicast"');
    expect(tree).toContain("rtm-dst-len: 16");
    expect(tree).toContain('gateway: "10.0.0.2"');
    expect(tree).toMatch(/flags: MULTI/);
    expect(await page.locator("#head").innerText()).toMatch(/rt-route getroute reply/);
    await page.locator("#tree .node", { hasText: 'dst: "10.9.0.0"' }).click();
    // struct nlattr { len 8, type RTA_DST (1) } in host order, then 10.9.0.0.
    expect((await page.locator("#hex .b.sel").allInnerTexts()).join(" ")).toBe("08 00 01 00 0a 09 00 00");
    await page.locator("#tree .node", { hasText: "rtm-dst-len" }).click();
    expect(await page.locator("#hex .b.sel").allInnerTexts()).toEqual(["10"]); // 16, one byte at offset 17
    await page.screenshot({ path: join(OUTPUT, "rtnl-route.png") });

    // A bad filter value gets the library's message and changes nothing.
    await page.fill("#filter", "dir=sideways");
    await expect.poll(() => page.locator("#filter-error").innerText()).toMatch(/direction is to-kernel/);
    expect((page as Page & { problems?: string[] }).problems).toEqual([]);
    await page.close();
  });

  it("learns generic netlink ids from the nlctrl exchange in the capture", async () => {
    const page = await openCapture(GENL);
    await done(page);
    const genl = await page.locator("#genl tr").allInnerTexts();
    expect(genl.map((r) => r.replace(/\s+/g, " "))).toEqual(expect.arrayContaining(["16 nlctrl", "20 netdev", "21 ethtool"]));
    const netdev = await filter(page, "family=netdev");
    expect(netdev).toEqual([expect.stringMatching(/netdev dev-get request ifindex=1/), expect.stringMatching(/netdev dev-get reply ifindex=1/)]);
    await page.locator("#rows .row", { hasText: "dev-get reply" }).click();
    await page.waitForSelector("#tree .node");
    expect(await page.locator("#tree").innerText()).toMatch(/cmd: 1 \(dev-get\)/);
    await page.locator("#tree .node", { hasText: "genlmsghdr" }).click();
    expect(await page.locator("#hex .b.sel").count()).toBe(4);
    await page.screenshot({ path: join(OUTPUT, "genl-netdev.png") });
    await page.close();
  });

  it("says so when a file is not a capture, and keeps working", async () => {
    const page = await openCapture(GENL);
    await done(page);
    await page.setInputFiles("#file", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("these are notes, not a capture\n") });
    await page.waitForSelector('#status[data-done="true"][data-messages="0"]');
    expect(await page.locator("#status").innerText()).toMatch(/stopped: not a pcap or pcapng file \(starts with 0x74686573\)/);
    await page.setInputFiles("#file", GENL);
    await page.waitForFunction(() => Number(document.getElementById("status")!.dataset.messages) > 0 && document.getElementById("status")!.dataset.done === "true");
    expect((page as Page & { problems?: string[] }).problems).toEqual([]);
    await page.close();
  });

  it("stays responsive while it decodes a 100 MB capture", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nlwire-viewer-big-"));
    try {
      const big = join(dir, "big.pcapng");
      const seed = new Uint8Array(readFileSync(RTNL));
      const { bytes, records } = replicateCapture(seed, big, 100);
      expect(bytes).toBeGreaterThan(100e6);
      const d = new CaptureDecoder();
      const perRecord = readCaptureBytes(seed).records.map((r) => d.decode(r).length);
      let expected = 0;
      for (let i = 0; i < records; i++) expected += perRecord[i % perRecord.length]!;

      const page = await openCapture(big);
      await page.waitForFunction(() => Number(document.getElementById("status")!.dataset.messages) > 0);
      // While the worker decodes: the longest gap between animation frames, the
      // message count every 250 ms, and how long a click on a row takes to show it.
      const probe = await page.evaluate(async () => {
        const status = document.getElementById("status")!;
        const head = document.getElementById("head")!;
        const counts: number[] = [];
        let worst = 0;
        let frames = 0;
        const t0 = performance.now();
        let last = t0;
        let running = true;
        const tick = (t: number) => {
          worst = Math.max(worst, t - last);
          last = t;
          frames++;
          if (running) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
        await new Promise((r) => setTimeout(r, 300));
        const before = head.textContent;
        const c0 = performance.now();
        const clickedWhileDecoding = status.dataset.done === "false";
        document.querySelector("#rows .row:nth-child(3)")!.click();
        while (head.textContent === before && performance.now() - c0 < 5000) await new Promise((r) => setTimeout(r, 5));
        const clickMs = performance.now() - c0;
        while (status.dataset.done !== "true" && performance.now() - t0 < 60_000) {
          counts.push(Number(status.dataset.messages));
          await new Promise((r) => setTimeout(r, 250));
        }
        running = false;
        return { worst, frames, counts, clickMs, clickedWhileDecoding, seconds: (performance.now() - t0) / 1000, final: Number(status.dataset.messages), status: status.textContent };
      });
      console.log(`100 MB capture (${expected} messages): decoded in about ${probe.seconds.toFixed(1)} s more after the first rows; ` +
        `longest frame gap ${probe.worst.toFixed(0)} ms over ${probe.frames} frames; click to detail ${probe.clickMs.toFixed(0)} ms; ` +
        `messages ${probe.counts.join(" → ")}`);
      expect(probe.final, probe.status ?? "").toBe(expected);
      expect(probe.clickedWhileDecoding).toBe(true);
      expect(probe.clickMs).toBeLessThan(1000);
      expect(probe.worst).toBeLessThan(500);
      // The count grew step by step while the page stayed live.
      const distinct = new Set(probe.counts);
      expect(distinct.size).toBeGreaterThanOrEqual(3);
      expect(probe.counts.every((c, i) => i === 0 || c >= probe.counts[i - 1]!)).toBe(true);
      expect(await page.locator("#tree .node").count()).toBeGreaterThan(0);
      await page.screenshot({ path: join(OUTPUT, "big-capture.png") });
      await page.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
