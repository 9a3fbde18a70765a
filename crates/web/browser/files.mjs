// The large-file service (R21) in a real browser (Debian's chromium through
// playwright-core): a resumable upload with its progress bar, through a
// connection cut on purpose; a file with a password; both links opened by
// an anonymous browser context that downloads them; axe-core on the files
// page and on the public pages. Prints one `RESULT <name> <value>` line per
// check; crates/web/tests/browser_files.rs asserts on them.
// Usage: node files.mjs <base-url> <screenshot-dir> <address> <password>
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { axe as check, fail, launch, login, newContext, out, step, watchdog } from "./lib.mjs";

const [base, shots, address, password] = process.argv.slice(2);
watchdog(150);

const sha = (buf) => createHash("sha256").update(buf).digest("hex");
// 20 MB of bytes that are not text: three pieces of 8 MB at most.
const big = Buffer.alloc(20 * 1024 * 1024);
for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
const small = Buffer.from("Bulletins du premier trimestre\n".repeat(1000));

const browser = await launch();

const axe = (page, name) => check(page, name, { shots });

// Downloads what clicking `selector` starts; "same" when it is `expected`.
async function download(page, selector, expected) {
  const [d] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
  const path = await d.path();
  const got = await readFile(path);
  return sha(got) === sha(expected) ? "same" : `differs:${got.length}`;
}

try {
  const owner = await newContext(browser);
  const page = await owner.newPage();
  page.setDefaultTimeout(30000);
  step("login");
  await login(page, base, address, password);
  await page.click("nav >> text=Fichiers volumineux");
  out("files_page", new URL(page.url()).pathname);
  await axe(page, "files");

  // The second piece's connection is cut once: the page must say it
  // resumes, ask where the upload stands and go on from there.
  step("upload");
  let puts = 0;
  let progressAtCut = -1;
  let asked = 0;
  await page.route("**/files/uploads/*", async (route) => {
    const req = route.request();
    if (req.method() === "GET") asked += 1;
    if (req.method() === "PUT") {
      puts += 1;
      if (puts === 2) {
        progressAtCut = await page.evaluate(() => document.getElementById("upload-meter").value);
        await route.abort("connectionreset");
        return;
      }
    }
    await route.continue();
  });
  await page.setInputFiles("#file", { name: "conseil de classe.mp4", mimeType: "video/mp4", buffer: big });
  await page.selectOption("#expiry", { index: 0 });
  await page.click("#upload-button");
  await page.waitForFunction(() => document.getElementById("upload-status").textContent.includes("reprise"));
  out("resuming_shown", "yes");
  out("progress_at_cut", String(progressAtCut));
  out("progress_visible", (await page.locator("#upload-progress").isVisible()) ? "yes" : "no");
  await page.waitForURL("**/files?ok=uploaded");
  out("asked_offset", asked > 0 ? "yes" : "no");
  out("puts", String(puts));
  await page.unroute("**/files/uploads/*");
  out("uploaded_notice", (await page.locator(".notice").innerText()).includes("déposé") ? "shown" : "missing");

  step("upload with password");
  // From the plain page, so that the next arrival at ?ok=uploaded is new.
  await page.goto(`${base}/files`);
  await page.setInputFiles("#file", { name: "bulletins.txt", mimeType: "text/plain", buffer: small });
  await page.fill("#file-password", "Sésame du conseil 2026");
  await page.click("#upload-button");
  await page.waitForURL("**/files?ok=uploaded");
  const links = await page.locator(".file-link").evaluateAll((els) => els.map((e) => e.value));
  out("links", String(links.length));
  // Newest first: the password-protected file, then the video.
  const [withPassword, video] = links;
  await axe(page, "files-list");

  step("anonymous");
  const anon = await newContext(browser, { acceptDownloads: true });
  const visitor = await anon.newPage();
  visitor.setDefaultTimeout(30000);
  await visitor.goto(video);
  out("anon_cookies", String((await anon.cookies()).filter((c) => c.name.startsWith("__Host-vesontio")).length));
  out("public_name", (await visitor.locator("h2").innerText()).includes("conseil de classe.mp4") ? "shown" : "missing");
  await axe(visitor, "public");
  out("anon_download", await download(visitor, "text=Télécharger le fichier", big));

  await visitor.goto(withPassword);
  await axe(visitor, "public-password");
  await visitor.fill("#password", "pas le bon");
  await visitor.click("button[type=submit]");
  out("wrong_password", (await visitor.locator("#password-error").innerText()).includes("n'est pas le bon") ? "refused" : "missing");
  await axe(visitor, "public-password-wrong");
  await visitor.fill("#password", "Sésame du conseil 2026");
  out("password_download", await download(visitor, "button[type=submit]", small));

  step("counts");
  await page.goto(`${base}/files`);
  const text = await page.locator(".shared-files").innerText();
  out("counts_listed", /Téléchargements\s+1[\s\S]*Téléchargements\s+1/.test(text) ? "yes" : text.replace(/\s+/g, "_"));

  step("narrow screen");
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(`${base}/files`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  const wide = await page.evaluate(() => [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > 376)
    .map((e) => e.tagName + "." + e.className).slice(0, 8).join(","));
  out("fits_375", width <= 375 ? "yes" : `${width}:${wide}`);
} catch (e) {
  fail(e);
} finally {
  await browser.close();
}
