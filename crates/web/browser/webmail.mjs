// The webmail in a real browser (Debian's chromium through playwright-core),
// screen by screen, with axe-core on each. Prints one `RESULT <name> <value>`
// line per check; crates/web/tests/browser.rs asserts on them.
// Usage: node webmail.mjs <base-url> <screenshot-dir> <address> <initial> <new>
import { axe as check, fail, launch, newContext, out, step, watchdog } from "./lib.mjs";

const [base, shots, address, initial, fresh] = process.argv.slice(2);
watchdog(150);

const browser = await launch();
const context = await newContext(browser);
const page = await context.newPage();
page.setDefaultTimeout(15000);
const foreign = [];
context.on("request", (r) => {
  if (!r.url().startsWith(base) && !r.url().startsWith("data:")) foreign.push(r.url());
});

// `exclude`: a selector left out. The hostile screen leaves out the mail's
// sandboxed frame: its content is the sender's HTML, not our page, and a
// frame without scripts cannot host axe (evaluating in it never returns).
const axe = (name, exclude) => check(page, name, { exclude: exclude ? [exclude] : [], shots });

try {
  await page.goto(`${base}/login`);
  await axe("login");
  await page.fill("#address", address);
  await page.fill("#password", "pas le bon");
  await page.click("button[type=submit]");
  out("wrong_login", (await page.locator("#login-error").innerText()).includes("incorrect") ? "error_shown" : "no_error");

  await page.fill("#password", initial);
  await page.click("button[type=submit]");
  out("after_first_login", new URL(page.url()).pathname);
  await page.goto(`${base}/mail`);
  out("inbox_before_change", new URL(page.url()).pathname);
  await page.fill("#current", initial);
  await page.fill("#new", "soleil");
  out("gauge_weak", await page.locator("#strength-text").innerText());
  await page.fill("#new", fresh);
  out("gauge_strong", await page.locator("#strength-text").innerText());
  await axe("password");
  await page.fill("#confirm", fresh);
  await page.click("#password-form button[type=submit]");
  out("after_change", new URL(page.url()).pathname);

  await axe("list");
  out("list_subject", (await page.locator(".messages").innerText()).includes("Réunion du conseil pédagogique") ? "shown" : "missing");
  out("list_preview", (await page.locator(".messages").innerText()).includes("Correction : la salle 210") ? "shown" : "missing");

  // Conversations by default: the thread's row opens its page, every
  // message of it with its folder; one of them opens in the reading page.
  step("thread");
  await page.click(".messages a:has-text('Réunion du conseil pédagogique')");
  out("thread_messages", String(await page.locator(".thread-message").count()));
  out("thread_folder", (await page.locator(".thread-message .tag-folder").first().innerText()).includes("Boîte de réception") ? "shown" : "missing");
  await axe("thread");
  await page.locator(".thread-message").first().locator("text=Ouvrir ce message").click();
  out("read_body", (await page.locator(".text-body").innerText()).includes("salle 204") ? "shown" : "missing");
  out("read_conversation", (await page.locator(".back").innerText()).includes("Voir la conversation (2 messages)") ? "linked" : "missing");
  await axe("read");

  await page.goto(`${base}/mail`);
  step("hostile");
  await page.click(".messages a:has-text('Facture urgente')");
  const frame = page.frameLocator("iframe.mail-frame");
  await frame.locator("text=Texte visible").waitFor();
  await page.waitForTimeout(500);
  out("hostile_text", "shown");
  out("hostile_page_flag", String(await page.evaluate(() => window.pwned)));
  const child = page.frames().find((f) => f !== page.mainFrame());
  let childFlag = "no-frame";
  // With scripts off in the sandbox there is no execution context at all:
  // evaluating waits forever, so give up after 3 s (that is the proof).
  const timeout = new Promise((r) => setTimeout(() => r("not-evaluable"), 3000));
  try {
    childFlag = child ? String(await Promise.race([child.evaluate(() => window.pwned), timeout])) : "no-frame";
  } catch (e) { childFlag = "not-evaluable"; }
  out("hostile_frame_flag", childFlag);
  await axe("hostile", "iframe.mail-frame");

  // Report as spam (R24): a confirmation page, then forwarded and moved.
  step("report");
  await page.goto(`${base}/mail`);
  await page.click(".messages a:has-text('Vous avez gagné')");
  // R25: the filters' warning as a banner; the sender marked as external.
  out("warning_banner", (await page.locator(".warning-banner").innerText()).includes("mot de passe") ? "shown" : "missing");
  out("external_marker", (await page.locator(".tag-external").innerText()).includes("Expéditeur extérieur") ? "shown" : "missing");
  await axe("warning");
  await page.click("text=Signaler comme spam");
  out("report_page", (await page.locator(".report").innerText()).includes("spam@ac-test.fr") ? "shown" : "missing");
  await axe("report");
  await page.click(".report button[type=submit]");
  out("report_done", (await page.locator("[role=status]").innerText()).includes("signalé comme spam") ? "shown" : "missing");
  out("foreign_requests", foreign.length === 0 ? "none" : foreign.join(","));

  // Compose: a refusal of the gate (R5, the limit lowered to 2 for the
  // test) shown in the page with the form kept, then sent.
  step("compose");
  await page.goto(`${base}/compose`);
  await axe("compose");
  // Address completion from the directory: typed, listed, chosen by keyboard.
  await page.click("#to");
  await page.keyboard.type("anne");
  await page.waitForSelector("#to-suggestions li[role=option]");
  out("complete_shown", (await page.locator("#to-suggestions li").first().innerText()).includes("Anne Petit") ? "listed" : "missing");
  out("complete_expanded", await page.getAttribute("#to", "aria-expanded"));
  await axe("compose-suggestions");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  out("complete_chosen", (await page.inputValue("#to")).replace(/\s+/g, "_"));
  out("complete_closed", await page.getAttribute("#to", "aria-expanded"));
  await page.fill("#to", "paul.durand@ac-test.fr, anne.petit@ac-test.fr, chef@ac-test.fr");
  await page.fill("#subject", "Sortie au musée");
  await page.fill("#body", "Bonjour,\nrendez-vous à 9 h devant le musée.\nLucie");
  // Saved while writing (the delay shortened to 1 s for the test).
  await page.evaluate(() => { document.querySelector("form.compose").dataset.autosave = "1"; });
  await page.type("#body", " ");
  await page.waitForFunction(() => document.getElementById("autosave-status").textContent.includes("automatiquement"), null, { timeout: 15000 });
  out("autosaved", (await page.inputValue("input[name=draft]")) !== "" ? "draft" : "none");
  // A file attached (kept in the draft, listed with its size).
  await page.setInputFiles("#files", {
    name: "programme-sortie.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("%PDF-1.4 programme de la sortie au musée"),
  });
  await page.click("button[value=attach]");
  out("attached", (await page.locator(".file-list").innerText()).includes("programme-sortie.pdf") ? "listed" : "missing");
  // The script sent the files with a progress bar, then opened the draft.
  out("attached_via", page.url().includes("mode=draft") ? "script" : page.url());
  // Keyboard: from the message body, Tab reaches the send button.
  await page.focus("#body");
  await page.keyboard.press("Tab");
  out("tab_to_send", await page.evaluate(() => document.activeElement.value));
  await page.keyboard.press("Enter");
  await page.waitForLoadState();
  const alert = await page.locator("[role=alert]").innerText();
  out("compose_refused", alert.includes("Trop de destinataires") ? "shown" : `missing:${alert}`);
  out("compose_kept", (await page.inputValue("#subject")) === "Sortie au musée" ? "kept" : "lost");
  await axe("compose-refused");
  await page.fill("#to", "paul.durand@ac-test.fr");
  await page.click("button[value=send]");
  out("compose_sent", (await page.locator("[role=status]").innerText()).includes("envoyé") ? "shown" : "missing");
  // Rich text: the switch turns the body into an editor with a toolbar.
  await page.goto(`${base}/compose`);
  await page.click(".rich-toggle");
  out("rich_pressed", await page.getAttribute(".rich-toggle", "aria-pressed"));
  await page.click("#body-editor");
  await page.keyboard.type("Ordre du jour ");
  await page.click(".rich-toolbar button[data-command=bold]");
  await page.keyboard.type("important");
  out("rich_html", (await page.inputValue("input[name=html]")).includes("<b>important</b>") ? "bold" : `missing:${await page.inputValue("input[name=html]")}`);
  out("rich_text", (await page.inputValue("#body")).replace(/\s+/g, "_"));
  await axe("compose-rich");
  await page.screenshot({ path: `${shots}/compose-rich.png`, fullPage: true });
  await page.goto(`${base}/mail`);
  // Reply from the reading page, quoting and threading.
  await page.click(".messages a:has-text('Réunion du conseil pédagogique')");
  await page.click("a[href*='mode=reply&']");
  out("reply_subject", (await page.inputValue("#subject")).replace(/\s+/g, "_"));
  out("reply_quote", (await page.inputValue("#body")).includes("> La réunion du conseil") ? "quoted" : "missing");
  await page.screenshot({ path: `${shots}/reply.png`, fullPage: true });

  // Multi-select on the list, without JavaScript: tick, then delete.
  step("select");
  await page.goto(`${base}/mail`);
  await page.getByLabel("Sélectionner « Facture urgente »").check();
  await page.click(".toolbar button[value=delete]");
  out("multi_delete", (await page.locator("[role=status]").innerText()).includes("corbeille") ? "trashed" : "missing");
  out("list_after_delete", (await page.locator(".messages").innerText()).includes("Facture urgente") ? "still" : "gone");

  // Search across every folder.
  step("search");
  await page.goto(`${base}/mail`);
  await page.click("nav.main-nav >> text=Rechercher");
  await page.fill("#s-q", "conseil");
  await page.click(".search-form button[type=submit]");
  out("search_hit", (await page.locator(".messages").innerText()).includes("Réunion du conseil pédagogique") ? "shown" : "missing");
  out("search_miss", (await page.locator(".messages").innerText()).includes("Facture urgente") ? "listed" : "absent");
  await axe("search");

  // Folders: one created from the tree's link, listed in the tree.
  step("folders");
  await page.goto(`${base}/mail`);
  await page.click("text=Gérer les dossiers");
  await page.fill("#new-folder", "Sorties scolaires");
  await page.click("text=Créer le dossier");
  out("folder_created", (await page.locator("[role=status]").innerText()).includes("créé") ? "shown" : "missing");
  out("folder_in_tree", (await page.locator("nav.folders").innerText()).includes("Sorties scolaires") ? "shown" : "missing");
  // Moved into another folder with the "move into…" list, no script needed.
  await page.fill("#new-folder", "Classes");
  await page.click("text=Créer le dossier");
  await page.locator("label:has-text('Déplacer « Sorties scolaires » dans')").waitFor();
  const moveList = page.getByLabel("Déplacer « Sorties scolaires » dans");
  await moveList.selectOption({ label: "Classes" });
  await moveList.locator("xpath=ancestor::form").locator("button[type=submit]").click();
  out("folder_moved", (await page.locator("[role=status]").innerText()).includes("déplacé") ? "shown" : "missing");
  out("folder_moved_name", (await page.locator(".managed-name a:has-text('Classes/Sorties scolaires')").count()) === 1 ? "Classes/Sorties_scolaires" : "missing");
  await axe("folders");

  // The conversation view switched off is remembered: the inbox opens as
  // the list of messages one by one, until switched back.
  step("view");
  await page.goto(`${base}/mail`);
  await page.click("text=Afficher les messages un par un");
  await page.goto(`${base}/mail`);
  out("view_remembered", (await page.locator("text=Afficher par conversation").count()) === 1 ? "list" : "threads");
  await page.click("text=Afficher par conversation");
  await page.goto(`${base}/mail`);
  out("view_back", (await page.locator("text=Afficher les messages un par un").count()) === 1 ? "threads" : "list");

  // Settings: the absence message (R23) saved, then axe on the screen.
  step("settings");
  await page.goto(`${base}/settings`);
  await page.check("#absence-active");
  await page.fill("#absence-start", "2026-12-21");
  await page.fill("#absence-end", "2027-01-03");
  await page.fill("#absence-subject", "Absente pendant les vacances");
  await page.fill("#absence-body", "Je lirai votre message à la rentrée, le 4 janvier.");
  await page.click("text=Enregistrer le message d'absence");
  out("absence_saved", (await page.locator("[role=status]").innerText()).includes("enregistré") ? "shown" : "missing");
  out("absence_kept", await page.inputValue("#absence-end"));
  await page.fill("#signature", "Lucie Bernard\nProfesseure de lettres");
  await page.click("text=Enregistrer la signature");
  await axe("settings");
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(`${base}/mail`);
  // Nothing wider than the screen: no sideways scrolling at 375 px.
  out("narrow_width", String(await page.evaluate(() => document.documentElement.scrollWidth)));
  await page.screenshot({ path: `${shots}/list-375.png`, fullPage: true });
} catch (e) {
  fail(e);
} finally {
  await browser.close();
}
