// The message list in a real browser (Debian's chromium through
// playwright-core): live updates (a message delivered while the inbox is
// open appears without a reload), keyboard shortcuts and their help
// screen, drag and drop onto the folder tree, emptying the Trash; axe-core
// on each new screen. Prints `RESULT <name> <value>` lines that
// crates/web/tests/browser_list.rs asserts on; `WAIT <what>` asks the test
// to do something (deliver mail) and answer `go` on stdin.
// Usage: node list.mjs <base-url> <screenshot-dir> <address> <password>
import { ask, axe as check, closeInput, fail, launch, login, newContext, out, step, watchdog } from "./lib.mjs";

const [base, shots, address, password] = process.argv.slice(2);
watchdog(150);

const browser = await launch();
const context = await newContext(browser);
const page = await context.newPage();
page.setDefaultTimeout(15000);
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));
page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });

const axe = (name) => check(page, name, { shots });
const currentSubject = () => page.evaluate(() => document.querySelector("li.message.current .subject")?.textContent.trim() ?? "none");
const row = (subject) => page.locator(`#list-region li.message:has-text("${subject}")`);
const notice = async () => (await page.locator("p.notice[role=status]").innerText()).trim();

try {
  step("login");
  await login(page, base, address, password, /\/mail$/);
  await axe("list-tools");

  // Live: mail delivered while the inbox is open shows without a reload.
  step("live");
  await page.evaluate(() => { window.stillThisPage = true; });
  // The stream is open before the mail comes (it would catch up anyway).
  await page.waitForTimeout(500);
  await ask("deliver");
  await row("Arrivée en direct").waitFor({ timeout: 10000 });
  out("live_row", "shown");
  out("live_no_reload", (await page.evaluate(() => window.stillThisPage === true)) ? "same_page" : "reloaded");
  const inboxCount = await page.locator("nav.folders a[aria-current=page] .count").innerText();
  out("live_count", inboxCount.trim());
  out("live_announced", (await page.locator("#live-status").innerText()).includes("Nouveau courrier") ? "announced" : "silent");

  // The help screen: "?" opens a modal dialog with the focus in it,
  // Escape closes it; its button gives the focus back when closed.
  step("help");
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press("?");
  await page.locator("#shortcuts").waitFor({ state: "visible" });
  out("help_open", "shown");
  out("help_focus", (await page.evaluate(() => !!document.activeElement.closest("#shortcuts"))) ? "inside" : "outside");
  out("help_lists", (await page.locator("#shortcuts").innerText()).includes("Répondre à tous") ? "documented" : "missing");
  await axe("help");
  await page.keyboard.press("Escape");
  await page.locator("#shortcuts").waitFor({ state: "hidden" });
  out("help_escape", "closed");
  await page.click("#shortcuts-open");
  await page.locator("#shortcuts").waitFor({ state: "visible" });
  await page.click("#shortcuts-close");
  out("help_focus_back", await page.evaluate(() => document.activeElement.id || document.activeElement.tagName));

  // Moving: j/k and the arrows, the focus on the row's link.
  step("move");
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press("j");
  out("j_first", (await currentSubject()).replace(/\s+/g, "_"));
  await page.keyboard.press("j");
  out("j_second", (await currentSubject()).replace(/\s+/g, "_"));
  await page.keyboard.press("k");
  out("k_back", (await currentSubject()).replace(/\s+/g, "_"));
  await page.keyboard.press("ArrowDown");
  out("arrow_down", (await currentSubject()).replace(/\s+/g, "_"));
  // A live refresh may replace the rows at this moment (the delivery
  // above): it puts the focus back on the current row, so wait for it.
  const focused = await page
    .waitForFunction(() => document.activeElement?.closest("li.message")?.classList.contains("current"), null, { timeout: 3000 })
    .then(() => true, () => false);
  out("row_focused", focused ? "yes" : "no");

  // Typing in a text field is typing: no shortcut fires.
  step("typing");
  const before = await currentSubject();
  await page.focus("#quick-search");
  await page.keyboard.type("jks#");
  out("typed", await page.inputValue("#quick-search"));
  out("typing_kept_row", (await currentSubject()) === before ? "unchanged" : "moved");
  await page.fill("#quick-search", "");
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press("/");
  out("slash", await page.evaluate(() => document.activeElement.id));
  await page.evaluate(() => document.activeElement.blur());

  // s flags the current row (the page comes back with the notice).
  step("flag");
  await page.keyboard.press("j");
  const flagged = await currentSubject();
  await Promise.all([page.waitForNavigation(), page.keyboard.press("s")]);
  out("flag_notice", (await notice()).includes("marqués") ? "shown" : "missing");
  out("flag_star", (await row(flagged).locator(".icon-flag").count()) === 1 ? "starred" : "plain");

  // r replies to the current row.
  step("reply");
  await page.keyboard.press("j");
  const replied = await currentSubject();
  await Promise.all([page.waitForNavigation(), page.keyboard.press("r")]);
  out("reply_mode", new URL(page.url()).searchParams.get("mode"));
  out("reply_subject", (await page.inputValue("#subject")) === `Re: ${replied}` ? "re" : await page.inputValue("#subject"));
  await page.goto(`${base}/mail`);

  // o opens the current row; u marks it unread again; a and f start a
  // reply to all and a forward.
  step("open");
  await page.keyboard.press("j");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("o")]);
  out("o_open", /^\/mail\/\d+\/\d+$/.test(new URL(page.url()).pathname) ? "opened" : new URL(page.url()).pathname);
  await page.goto(`${base}/mail`);
  await page.keyboard.press("j");
  const unread = await currentSubject();
  out("read_before_u", (await row(unread).getAttribute("class")).includes("unread") ? "unread" : "read");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("u")]);
  out("u_unread", (await row(unread).getAttribute("class")).includes("unread") ? "unread" : "read");
  for (const [key, mode] of [["a", "all"], ["f", "forward"]]) {
    await page.keyboard.press("j");
    await Promise.all([page.waitForNavigation(), page.keyboard.press(key)]);
    out(`${key}_mode`, new URL(page.url()).searchParams.get("mode"));
    await page.goto(`${base}/mail`);
  }

  // # deletes the current row (to Trash).
  step("delete");
  await page.keyboard.press("j");
  const deleted = await currentSubject();
  await Promise.all([page.waitForNavigation(), page.keyboard.press("#")]);
  out("delete_notice", (await notice()).includes("corbeille") ? "trashed" : "missing");
  out("delete_gone", (await row(deleted).count()) === 0 ? "gone" : "still");

  // g then i goes to the inbox; c opens compose.
  step("goto");
  await Promise.all([page.waitForNavigation(), page.click("nav.folders a:has-text('Archives')")]);
  await page.waitForLoadState("load");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("g").then(() => page.keyboard.press("i"))]);
  out("g_i", new URL(page.url()).pathname);
  await Promise.all([page.waitForNavigation(), page.keyboard.press("c")]);
  out("c", new URL(page.url()).pathname);
  await page.goto(`${base}/mail`);

  // Turned off in the help screen (WCAG 2.1.4), then on again.
  step("off");
  await page.click("#shortcuts-open");
  await page.check("#shortcuts-off");
  await page.click("#shortcuts-close");
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press("j");
  out("off", (await currentSubject()) === "none" ? "silent" : "acted");
  await page.click("#shortcuts-open");
  await page.uncheck("#shortcuts-off");
  await page.click("#shortcuts-close");

  // Drag and drop: one row, then a ticked selection, onto Archives.
  step("drag");
  await page.goto(`${base}/mail`);
  await page.dragAndDrop(`#list-region li.message:has-text("Sortie au musée") a`, "nav.folders a:has-text('Archives')");
  await page.waitForURL(/ok=moved/);
  out("drag_one", (await notice()).includes("déplacés") && (await row("Sortie au musée").count()) === 0 ? "moved" : "missing");
  await page.getByLabel("Sélectionner « Conseil de classe »").check();
  await page.getByLabel("Sélectionner « Cantine de jeudi »").check();
  await Promise.all([
    page.waitForNavigation(),
    page.dragAndDrop(`#list-region li.message:has-text("Cantine de jeudi") a`, "nav.folders a:has-text('Archives')"),
  ]);
  const left = await page.locator("#list-region").innerText();
  out("drag_many", !left.includes("Conseil de classe") && !left.includes("Cantine de jeudi") ? "moved" : "missing");

  // Emptying the Trash: the button, the confirmation page, the result.
  step("empty");
  await page.click("nav.folders a:has-text('Corbeille')");
  await page.click("text=Vider la corbeille");
  out("empty_page", (await page.locator("h1").innerText()).includes("Vider la corbeille") ? "shown" : "missing");
  await axe("empty-confirm");
  await page.click("button:has-text('Supprimer définitivement')");
  out("emptied", (await notice()).includes("vidé") && (await page.locator("#list-region .empty").count()) === 1 ? "empty" : "not_empty");
  // A phone-sized screen: the list's tools and the help screen fit.
  step("375");
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(`${base}/mail`);
  await page.keyboard.press("?");
  await page.locator("#shortcuts").waitFor({ state: "visible" });
  out("help_375_fits", (await page.evaluate(() => document.getElementById("shortcuts").getBoundingClientRect().width <= 375)) ? "fits" : "overflows");
  await axe("help-375");
  await page.keyboard.press("Escape");
  out("page_errors", errors.length === 0 ? "none" : errors.join(" | ").replace(/\s+/g, "_"));
} catch (e) {
  fail(e);
} finally {
  closeInput();
  await browser.close();
}
