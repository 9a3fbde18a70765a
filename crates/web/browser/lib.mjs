// What every browser script shares (the Rust side's twin is
// crates/web/tests/common/browser.rs): the `RESULT <name> <value>` lines
// the tests assert on, the `step` lines on stderr that say where a script
// hung, `WAIT <what>` lines asking the test to act (tests/common/
// browser.rs `node_waiting`), a watchdog so that no script hangs a test run, Debian's chromium
// launched through playwright-core, a French context that accepts the
// test server's self-signed certificate, the login form, and the axe-core
// check (WCAG 2.1 A and AA, what RGAA 4.1 asks) with its screenshot.
import readline from "node:readline";
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

export const out = (name, value) => console.log(`RESULT ${name} ${value}`);
export const step = (name) => console.error(`step ${name}`);

// Past `seconds` the script reports an error and exits.
export function watchdog(seconds, what = "the browser script") {
  setTimeout(() => {
    out("error", `watchdog: ${what} took more than ${seconds} s`);
    process.exit(3);
  }, seconds * 1000).unref();
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
}

// A browser context as a French reader's, on the test's HTTPS server.
export function newContext(browser, options = {}) {
  return browser.newContext({ ignoreHTTPSErrors: true, locale: "fr-FR", ...options });
}

export async function login(page, base, address, password, landing = /\/mail/) {
  await page.goto(`${base}/login`);
  await page.fill("#address", address);
  await page.fill("#password", password);
  await page.click("button[type=submit]");
  await page.waitForURL(landing);
}

// axe-core on what `page` shows, `exclude`d selectors left out (a mail's
// sandboxed frame: the sender's HTML, which a frame without scripts
// cannot host axe in anyway); `axe_<name>` is "clean" or the violations'
// ids. A full-page screenshot `<shots>/<name>.png` when `shots` is given.
export async function axe(page, name, { exclude = [], shots } = {}) {
  step(`axe ${name}`);
  let b = new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]);
  for (const x of [exclude].flat()) b = b.exclude(x);
  const r = await b.analyze();
  out(`axe_${name}`, r.violations.length === 0 ? "clean" : r.violations.map((v) => v.id).join(","));
  if (shots) await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

// An exception as one RESULT line (the tests fail on `error`).
export const fail = (e) => out("error", String(e).replace(/\s+/g, " "));

// Asks the test to do `what` (deliver mail, say) and waits for its `go`.
let input = null;
export async function ask(what) {
  if (!input) input = readline.createInterface({ input: process.stdin });
  const it = input[Symbol.asyncIterator]();
  console.log(`WAIT ${what}`);
  await it.next();
}

// Lets the script end (an open stdin would hold it).
export function closeInput() {
  input?.close();
}
