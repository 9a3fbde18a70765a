// R16's gauge in chromium: a mailbox at 93 % of its quota shows the gauge
// in its warning state on every page (list, settings) and the settings'
// advice, at desktop width and at 375 px; axe-core on both pages.
// crates/web/tests/browser_quota.rs starts the server and asserts on the
// `RESULT` lines. Usage: node quota.mjs <base-url> <address> <password>
import { axe as check, fail, launch, login, newContext, watchdog, out } from "./lib.mjs";

const [base, address, password] = process.argv.slice(2);
watchdog(60);

const browser = await launch();
const context = await newContext(browser);
const page = await context.newPage();
page.setDefaultTimeout(10000);
const axe = (name) => check(page, name);
try {
  await login(page, base, address, password);
  for (const [name, path] of [["list", "/mail"], ["settings", "/settings"]]) {
    await page.goto(`${base}${path}`);
    out(`${name}_gauge`, await page.getAttribute("#quota-gauge", "value"));
    out(`${name}_warn`, (await page.locator(".quota.quota-warn").count()) === 1 ? "warn" : "plain");
    out(`${name}_text`, (await page.locator(".quota span").innerText()).replace(/\s+/g, "_"));
    await axe(name);
  }
  out("advice", (await page.locator("p.warning").innerText()).includes("presque pleine") ? "shown" : "missing");
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto(`${base}/mail`);
  const box = await page.locator("#quota-gauge").boundingBox();
  out("gauge_375", box && box.x >= 0 && box.x + box.width <= 375 ? "visible" : JSON.stringify(box));
  await axe("list_375");
} catch (e) {
  fail(e);
} finally {
  await browser.close();
}
