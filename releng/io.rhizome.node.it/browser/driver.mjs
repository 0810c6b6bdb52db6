// A headless Chromium the node ITs drive line by line: each line on standard input is one JSON
// command, each line on standard output the JSON answer to it ({"ok":true,...} or
// {"ok":false,"error":"..."}). Commands act on the current page; "context" starts a fresh browser
// profile (no cookies). The browser is Debian's /usr/bin/chromium (CHROMIUM overrides it).
import { chromium } from 'playwright-core';
import readline from 'node:readline';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
let context = await browser.newContext({ viewport: { width: 1200, height: 760 } });
let page = await context.newPage();

const commands = {
  async context() {
    await context.close();
    context = await browser.newContext({ viewport: { width: 1200, height: 760 } });
    page = await context.newPage();
    return {};
  },
  async goto({ url }) {
    const r = await page.goto(url, { waitUntil: 'load' });
    return { status: r ? r.status() : 0, url: page.url() };
  },
  async waitFor({ selector, timeoutMs, state }) {
    await page.waitForSelector(selector, { timeout: timeoutMs || 10000, state: state || 'attached' });
    return {};
  },
  async waitForText({ selector, text, timeoutMs }) {
    const started = Date.now();
    await page.waitForFunction(([s, t]) => [...document.querySelectorAll(s)].some((e) => e.textContent.includes(t)),
      [selector, text], { timeout: timeoutMs || 10000, polling: 25 });
    return { waitedMs: Date.now() - started };
  },
  // Polls with page.evaluate (CDP evaluation): the monitor's CSP forbids the string eval that
  // waitForFunction would do inside the page.
  async waitUntil({ js, timeoutMs }) {
    const deadline = Date.now() + (timeoutMs || 10000);
    for (;;) {
      if (await page.evaluate(js)) return {};
      if (Date.now() > deadline) throw new Error('timed out waiting until ' + js);
      await new Promise((r) => setTimeout(r, 25));
    }
  },
  async text({ selector }) {
    return { text: await page.textContent(selector) };
  },
  async click({ selector }) {
    await page.click(selector);
    return {};
  },
  async eval({ js }) {
    return { value: await page.evaluate(js) };
  },
  async content() {
    return { html: await page.content(), url: page.url() };
  },
  async screenshot({ path }) {
    await page.screenshot({ path, fullPage: false });
    return {};
  },
};

const rl = readline.createInterface({ input: process.stdin });
process.stdout.write(JSON.stringify({ ok: true, ready: true, version: browser.version() }) + '\n');
for await (const line of rl) {
  if (!line.trim()) continue;
  let answer;
  try {
    const cmd = JSON.parse(line);
    if (cmd.op === 'quit') break;
    const fn = commands[cmd.op];
    answer = fn ? { ok: true, ...(await fn(cmd)) } : { ok: false, error: 'unknown command ' + cmd.op };
  } catch (e) {
    answer = { ok: false, error: String(e && e.message ? e.message : e).split('\n')[0] };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
}
await browser.close();
