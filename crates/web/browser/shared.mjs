// Functional mailboxes (R2) in chromium: the tree's heading for the
// mailbox, its list and a message opened from it, the 403 page of a
// missing right, axe-core on each. crates/web/tests/browser_shared.rs
// starts the server and asserts on the `RESULT` lines.
// Usage: node shared.mjs <base-url> <address> <password> <paths.json>
import { readFileSync } from "node:fs";
import { ask, axe as check, closeInput, fail, launch, login, newContext, out, step, watchdog } from "./lib.mjs";

const [base, address, password, pathsFile] = process.argv.slice(2);
const paths = JSON.parse(readFileSync(pathsFile, "utf8"));
watchdog(90, "the shared script");

const browser = await launch();
const context = await newContext(browser);
const page = await context.newPage();
page.setDefaultTimeout(10000);
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));

const axe = (name, exclude) => check(page, name, { exclude });

try {
  await login(page, base, address, password);

  step("tree");
  // One heading per functional mailbox, in address order.
  const headings = page.locator("nav.folders h3.shared-heading");
  out("headings", String(await headings.count()));
  out("heading", (await headings.first().innerText()).replace(/\s+/g, " ").trim());
  // The heading names the list of its folders (a screen reader hears it).
  const list = page.getByRole("list", { name: /Secrétariat des examens/ });
  out("shared_unread", (await list.locator(`a[data-mailbox="${paths.inbox}"] .count`).innerText()).trim());
  await axe("tree");

  step("list");
  await list.locator(`a[data-mailbox="${paths.inbox}"]`).click();
  await page.waitForURL(new RegExp(`/mail/${paths.inbox}$`));
  // As conversations, like an own folder: its two messages are one row.
  out("list_rows", String(await page.locator("#list-region li.message").count()));
  out("list_conversation", String(await page.locator("#list-region li.message input.select[name^=t]").count()));
  out("list_delete", String(await page.locator(".toolbar button[value=delete]").count()));
  await axe("shared-list");

  // Live: mail arriving in the functional mailbox (its own change log)
  // shows in the open list and its count without a reload.
  step("live");
  await page.evaluate(() => { window.stillThisPage = true; });
  await page.waitForTimeout(500);
  await ask("deliver");
  await page.locator('#list-region li.message:has-text("Convocation au jury")').waitFor({ timeout: 10000 });
  out("live_row", "shown");
  out("live_no_reload", (await page.evaluate(() => window.stillThisPage === true)) ? "same_page" : "reloaded");
  out("live_count", (await list.locator(`a[data-mailbox="${paths.inbox}"] .count`).innerText()).trim());

  step("read");
  // One message of the two, from the list of messages one by one.
  await page.goto(`${base}/mail/${paths.inbox}?view=list`, { waitUntil: "load" });
  out("messages_rows", String(await page.locator("#list-region li.message").count()));
  await page.locator("#list-region li.message a").first().click();
  await page.waitForLoadState("load");
  await axe("shared-read", ["iframe.mail-frame"]);
  await page.goto(`${base}/mail/${paths.inbox}`, { waitUntil: "load" });
  const count = page.locator(`nav.folders a[data-mailbox="${paths.inbox}"] .count`);
  out("after_read", (await count.isHidden()) ? "0" : (await count.innerText()).trim());

  // "All folders" in search: the functional mailbox's mail, labelled
  // with its mailbox.
  step("search");
  await page.goto(`${base}/search`, { waitUntil: "load" });
  await page.fill("#s-q", "Convocation au jury");
  await page.click("form[role=search] button[type=submit]");
  await page.waitForURL(/\/search\?/);
  out("search_label", (await page.locator(".messages li.message .tag-folder").allInnerTexts()).join("|").replace(/\s+/g, "_"));
  await axe("shared-search");

  step("forbidden");
  const r = await page.goto(`${base}${paths.forbidden}`, { waitUntil: "load" });
  out("forbidden_status", String(r.status()));
  out("forbidden_text", (await page.locator("main").innerText()).includes("pas le droit de lire") ? "said" : "missing");
  await axe("forbidden");
  out("page_errors", errors.length === 0 ? "none" : errors.join(" | "));
} catch (e) {
  fail(e);
} finally {
  closeInput();
  await browser.close();
}
