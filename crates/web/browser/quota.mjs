// R16's gauge in chromium: a mailbox at 93 % of its quota shows the gauge
// in its warning state on every page (list, settings) and the settings'
// advice, at desktop width and at 375 px; axe-core on both pages.
// crates/web/tests/browser_quota.rs starts the server and asserts on the
// `RESULT` lines. Usage: node quota.mjs <base-url> <address> <password>
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

const [base, address, password] = process.argv.slice(2);
const out = (name, value) => console.log(`RESULT ${name} ${value}`);
setTimeout(() => { out("error", "watchdog: more than 60 s"); process.exit(3); }, 60000).unref();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: "fr-FR" });
const page = await context.newPage();
page.setDefaultTimeout(10000);
async function axe(name) {
  const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  out(`axe_${name}`, r.violations.length === 0 ? "clean" : r.violations.map((v) => v.id).join(","));
}
try {
  await page.goto(`${base}/login`);
  await page.fill("#address", address);
  await page.fill("#password", password);
  await page.click("button[type=submit]");
  await page.waitForURL(/\/mail/);
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
  out("error", String(e).replace(/\s+/g, " "));
} finally {
  await browser.close();
}
