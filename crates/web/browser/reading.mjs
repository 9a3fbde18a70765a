// The reading page's extras in chromium: inline cid: images, "always show
// images for this sender", view source, the print view and attachment
// previews, with axe-core on each new screen. crates/web/tests/
// browser_reading.rs starts the server and asserts on the `RESULT` lines.
// Usage: node reading.mjs <base-url> <address> <password> <paths.json>
import { readFileSync } from "node:fs";
import { axe as check, fail, launch, login, newContext, out, step, watchdog } from "./lib.mjs";

const [base, address, password, pathsFile] = process.argv.slice(2);
const paths = JSON.parse(readFileSync(pathsFile, "utf8"));
watchdog(150, "the reading script");

// A 7×5 PNG the "remote" images are answered with.
const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAcAAAAFCAIAAAAG+GGPAAAAEUlEQVR4nGM4ISeHiRhoJAoAuykjjT2f0dIAAAAASUVORK5CYII=", "base64");
const browser = await launch();
const context = await newContext(browser);
let remote = [];
await context.route("**/*", (route) => {
  const url = route.request().url();
  if (url.startsWith(base + "/")) return route.continue();
  remote.push(url);
  return route.fulfill({ status: 200, contentType: "image/png", body: png });
});
const page = await context.newPage();
page.setDefaultTimeout(10000);

const axe = (name, exclude) => check(page, name, { exclude });

try {
  await login(page, base, address, password);

  // Inline cid: images, rendered at their own size in the sandboxed frame.
  step("cid");
  await page.goto(base + paths.cid, { waitUntil: "load" });
  const box = await page.frameLocator("iframe.mail-frame").locator("img[alt=Logo]").boundingBox();
  out("cid_image", box ? `${Math.round(box.width)}x${Math.round(box.height)}` : "none");
  out("cid_remote", remote.length === 0 ? "none" : remote.join(","));

  // Remote images: blocked, then always shown for this sender.
  step("images");
  remote = [];
  await page.goto(base + paths.news1, { waitUntil: "load" });
  out("news_blocked", remote.length === 0 ? "none" : remote.join(","));
  await page.click("button[value=always]");
  await page.waitForLoadState("load");
  out("news_notice", (await page.locator("[role=status]").innerText()).includes("toujours affichées") ? "shown" : "missing");
  out("news_fetched", remote.some((u) => u.includes("affiche-n1")) ? "yes" : "no");
  await axe("images-always", ["iframe.mail-frame"]);
  remote = [];
  await page.goto(base + paths.news2, { waitUntil: "load" });
  const auto = await page.frameLocator("iframe.mail-frame").locator("img[alt=affiche]").boundingBox();
  out("news_second", remote.some((u) => u.includes("affiche-n2")) && auto && Math.round(auto.width) === 7 ? "shown" : `missing:${remote}`);
  await page.goto(`${base}/settings`, { waitUntil: "load" });
  out("settings_senders", (await page.locator(".image-senders").innerText()).includes("info@musee.example") ? "listed" : "missing");
  await axe("settings-images");
  await page.goto(base + paths.news2, { waitUntil: "load" });
  await page.click("button[value=never]");
  await page.waitForLoadState("load");
  remote = [];
  await page.goto(base + paths.news1, { waitUntil: "load" });
  out("news_undone", remote.length === 0 && (await page.locator(".images-blocked").count()) > 0 ? "blocked" : `fetched:${remote}`);

  // View source: the raw message as text, nothing run.
  step("source");
  await page.goto(base + paths.hostile, { waitUntil: "load" });
  const [tab] = await Promise.all([context.waitForEvent("page"), page.click("text=Voir la source")]);
  await tab.waitForLoadState("load");
  const src = await tab.locator("body").innerText();
  out("source_text", src.includes("<script>window.pwned=1</script>") && src.includes("Subject: Facture urgente") ? "raw" : `other:${src.slice(0, 200)}`);
  await tab.close();

  // The print view: no chrome, the message; axe on its markup (taken off
  // its sandbox for axe's script to run).
  step("print");
  const resp = await page.goto(base + paths.hostile + "/print", { waitUntil: "load" });
  out("print_csp", (resp.headers()["content-security-policy"] || "").includes("sandbox") ? "sandboxed" : "open");
  out("print_title", await page.locator("h1").innerText());
  out("print_chrome", (await page.locator("nav, form, .folders").count()) === 0 ? "none" : "present");
  await page.route(/\/print$/, async (route) => {
    const r = await route.fetch();
    const h = { ...r.headers() };
    delete h["content-security-policy"];
    await route.fulfill({ response: r, headers: h });
  });
  await page.goto(base + paths.hostile + "/print", { waitUntil: "load" });
  // The sender's HTML is left out, as the frame is on the reading page:
  // its missing alt texts are the sender's, not the webmail's.
  await axe("print", [".html-body"]);
  await page.screenshot({ path: paths.shots + "/print.png", fullPage: true });
  await page.unroute(/\/print$/);

  // Attachment previews: a thumbnail in the page, then each preview page.
  step("previews");
  await page.goto(base + paths.files, { waitUntil: "load" });
  // The thumbnail is `loading="lazy"`: the page's load event does not
  // wait for it, so wait for its own load (or error) before measuring.
  const thumb = page.locator(".attachments img.thumb").first();
  await thumb.evaluate((i) => i.complete ? null : new Promise((done) => {
    i.addEventListener("load", done, { once: true });
    i.addEventListener("error", done, { once: true });
  }));
  out("thumb", String(await thumb.evaluate((i) => i.naturalWidth)));
  await axe("read-attachments");
  await page.click(".preview-link:has-text('plan.png')");
  await page.waitForLoadState("load");
  out("preview_image", String(await page.locator(".preview-image").evaluate((i) => i.naturalWidth)));
  await axe("preview-image");
  await page.screenshot({ path: paths.shots + "/preview.png", fullPage: true });
  await page.goto(base + paths.files + "/preview/2", { waitUntil: "load" });
  out("preview_text", (await page.locator(".preview-text").innerText()).includes("Réunion <b>jeudi</b>") ? "shown" : "missing");
  await axe("preview-text");
  // The PDF: its page loads the frame, whose response the browser gets
  // with the PDF's type and policy (no script, framed by our pages only);
  // chromium's viewer shows it (an <embed> of the PDF in the frame).
  step("pdf");
  const seen = [];
  const onResponse = (r) => { if (new URL(r.url()).pathname === paths.files + "/view/1") seen.push(r); };
  page.on("response", onResponse);
  await page.goto(base + paths.files + "/preview/1", { waitUntil: "load" });
  out("preview_pdf", (await page.locator("iframe.preview-pdf").count()) === 1 ? "framed" : "missing");
  await page.waitForTimeout(500);
  page.off("response", onResponse);
  out("pdf_responses", String(seen.length));
  const pdf = seen[0];
  // As they came from the network (chromium hands its viewer a copy
  // with a policy of its own, and the viewer's page as the body).
  const h = await pdf.allHeaders();
  out("pdf_status", String(pdf.status()));
  out("pdf_type", h["content-type"]);
  out("pdf_nosniff", h["x-content-type-options"]);
  out("pdf_disposition", (h["content-disposition"] || "").split(";")[0]);
  out("pdf_csp", (h["content-security-policy"] || "none").replace(/\s+/g, "_"));
  out("pdf_length", h["content-length"]);
  const frame = page.frames().find((f) => f.url().endsWith(paths.files + "/view/1"));
  // Evaluating in the PDF's frame may not return (a viewer document):
  // given 3 s at most.
  const viewer = frame
    ? await Promise.race([
        frame.evaluate(() => document.querySelector("embed")?.getAttribute("type") || document.contentType).catch((e) => `error:${e}`),
        new Promise((r) => setTimeout(() => r("timeout"), 3000)),
      ])
    : "no-frame";
  out("pdf_viewer", String(viewer).replace(/\s+/g, "_"));
  // Headless chromium builds the viewer but paints no PDF page in a
  // screenshot: the frame shows the viewer's dark background only.
  await page.waitForTimeout(1000);
  await page.screenshot({ path: paths.shots + "/preview-pdf.png", fullPage: true });
  await axe("preview-pdf", ["iframe.preview-pdf"]);
} catch (e) {
  fail(e);
} finally {
  await browser.close();
}
