// The XSS corpus in chromium (crates/web/tests/browser_xss.rs starts the
// server, delivers the mails over SMTP and asserts on what this prints).
// Usage: node xss.mjs <base-url> <cases.json> <address> <password> <list-path>
// Prints `CASE {json}` per case and `RESULT <name> <value>` lines.
//
// Watchers, for every page and frame of the context:
// - `__pwned(n)`: a binding every payload of the corpus calls;
// - every request to a host other than the webmail's is aborted and
//   recorded; own-origin requests outside the reading page's are recorded;
// - new pages (popups) and dialogs are recorded.
import { readFileSync } from "node:fs";
import { fail, launch, login, newContext, out, step, watchdog } from "./lib.mjs";

const [base, casesFile, address, password, listPath] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesFile, "utf8"));
watchdog(420, "the XSS script");

const browser = await launch();
const context = await newContext(browser);
let rec = fresh();
let imagesShown = false;
function fresh() {
  return { pwned: [], foreign: [], own: [], popups: [], dialogs: [], fetched: [] };
}
await context.exposeBinding("__pwned", (_source, id) => { rec.pwned.push(String(id)); });
// What the reading page itself loads: the page, its frame, the assets,
// the attachments' previews. Anything else from our origin is a payload's.
const ownAllowed = [
  /^\/mail\/\d+\/\d+(\?images=1)?$/,
  /^\/mail\/\d+\/\d+\/body(\?images=1)?$/,
  /^\/mail\/\d+\/\d+\/print$/,
  /^\/mail\/\d+\/\d+\/view\/\d+$/,
  /^\/mail\/\d+(\?view=list)?$/,
  /^\/assets\/[A-Za-z0-9._-]+$/,
  /^\/favicon\.ico$/,
  /^\/__control$/,
  /^\/login$/,
  /^\/mail$/,
];
await context.route("**/*", (route) => {
  const url = route.request().url();
  if (!url.startsWith(base + "/")) {
    // With images shown (1c), images may come from anywhere: those are
    // kept apart, by type; anything else is a payload's.
    if (imagesShown && route.request().resourceType() === "image") rec.fetched.push(url);
    else rec.foreign.push(url);
    return route.abort();
  }
  const path = url.slice(base.length);
  if (!ownAllowed.some((r) => r.test(path))) rec.own.push(path);
  return route.continue();
});
context.on("page", (p) => { rec.popups.push(p.url()); });
const page = await context.newPage();
page.setDefaultTimeout(10000);
page.on("dialog", (d) => { rec.dialogs.push(d.message()); d.dismiss().catch(() => {}); });

// The sanitised document as the browser parsed it: nothing that runs,
// frames, fetches or submits may be left. Runs in the page (scripts on),
// on the live document and on a DOMParser parse of the served text
// (scripting off: how the sandboxed frame parses it, noscript included).
function audit(html) {
  const ALLOWED_URL = { href: ["http:", "https:", "mailto:", "cid:"], cite: ["http:", "https:"] };
  const URL_ATTRS = ["href", "src", "action", "formaction", "xlink:href", "poster", "background",
    "srcset", "ping", "data", "lowsrc", "dynsrc", "cite", "longdesc", "codebase", "srcdoc", "usemap"];
  const BANNED = new Set(["script", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "base", "link", "meta", "style", "svg", "math", "template", "noscript", "input", "button",
    "textarea", "select", "video", "audio", "source", "track", "picture", "portal", "fencedframe",
    "isindex", "param", "xmp", "plaintext", "noembed", "noframes", "title", "listing", "image"]);
  const check = (doc, tag) => {
    const bad = [];
    const head = doc.head ? [...doc.head.children].map((e) => e.localName).join(",") : "";
    if (head !== "meta,meta,style") bad.push(`${tag}head:${head}`);
    for (const el of doc.body ? doc.body.querySelectorAll("*") : []) {
      const name = el.localName;
      if (BANNED.has(name) || el.namespaceURI !== "http://www.w3.org/1999/xhtml") bad.push(`${tag}el:${name}`);
      for (const a of el.attributes) {
        const n = a.name.toLowerCase();
        if (n.startsWith("on")) bad.push(`${tag}attr:${name}.${n}`);
        if (n === "style" && /url\(|expression|image-set|@import|\\/i.test(a.value)) bad.push(`${tag}style:${a.value}`);
        if (n === "target" && a.value !== "_blank") bad.push(`${tag}target:${a.value}`);
        if (!URL_ATTRS.includes(n)) continue;
        let scheme;
        try { scheme = new URL(a.value).protocol; } catch { scheme = "relative"; }
        // Images: only the webmail's own inline `data:image/` (cid:
        // parts); remote ones are blocked until asked for.
        const ok = name === "img" && n === "src"
          ? scheme === "data:" && /^data:image\/(png|jpeg|gif|webp);base64,/.test(a.value)
          : (ALLOWED_URL[n] || []).includes(scheme);
        if (!ok) bad.push(`${tag}url:${name}.${n}=${a.value.slice(0, 60)}`);
      }
    }
    return bad;
  };
  return {
    live: check(document, ""),
    noscript: check(new DOMParser().parseFromString(html, "text/html"), "noscript:"),
  };
}

const results = [];
try {
  step("login");
  await login(page, base, address, password);
  out("binding_in_page", await page.evaluate(() => typeof window.__pwned));

  // The list shows every hostile subject and sender name: escaped.
  rec = fresh();
  await page.goto(base + listPath);
  await page.waitForTimeout(200);
  out("list_page", rec.pwned.length + rec.foreign.length + rec.dialogs.length === 0 ? "clean" : JSON.stringify(rec));

  // 1. As a person reads them: the reading page and its sandboxed frame.
  for (const c of cases) {
    step(`read ${c.id}`);
    rec = fresh();
    const r = { id: c.id };
    const resp = await page.goto(base + c.path, { waitUntil: "load" });
    r.status = resp ? resp.status() : 0;
    let text = "";
    try {
      text = c.html
        ? await page.frameLocator("iframe.mail-frame").locator("body").innerText({ timeout: 5000 })
        : await page.locator("main").innerText();
    } catch (e) { text = `unreadable: ${e}`; }
    r.benign = text.includes(c.benign);
    if (!r.benign) r.text = text.slice(0, 300);
    await page.waitForTimeout(100);
    Object.assign(r, rec);
    results.push(r);
  }

  // 1b. The print view: the same sanitised HTML in a document of its
  //     own under the frame's policy.
  for (const r of results) {
    const c = cases.find((x) => x.id === r.id);
    step(`print ${c.id}`);
    rec = fresh();
    const resp = await page.goto(`${base}${c.path}/print`, { waitUntil: "load" });
    r.print_status = resp ? resp.status() : 0;
    let text = "";
    try { text = await page.locator("main").innerText({ timeout: 5000 }); } catch (e) { text = `unreadable: ${e}`; }
    r.print_benign = text.includes(c.benign);
    await page.waitForTimeout(50);
    for (const k of Object.keys(rec)) r[k] = r[k].concat(rec[k]);
  }

  // 1c. With remote images shown (the person's choice): still nothing
  //     runs, and nothing but images is fetched.
  imagesShown = true;
  for (const r of results) {
    const c = cases.find((x) => x.id === r.id);
    if (!c.html) continue;
    step(`images ${c.id}`);
    rec = fresh();
    const resp = await page.goto(`${base}${c.path}?images=1`, { waitUntil: "load" });
    r.images_status = resp ? resp.status() : 0;
    await page.waitForTimeout(50);
    for (const k of ["pwned", "foreign", "own", "popups", "dialogs"]) r[k] = r[k].concat(rec[k]);
    r.fetched = rec.fetched;
  }
  imagesShown = false;

  // 2. The sanitiser alone: the body URL fetched as the frame would, its
  //    CSP and framing headers taken off, opened top-level where scripts
  //    run; then its DOM audited.
  let served = "";
  await page.route(/\/mail\/\d+\/\d+\/body$/, async (route) => {
    const resp = await route.fetch();
    served = await resp.text();
    const headers = { ...resp.headers() };
    delete headers["content-security-policy"];
    delete headers["x-frame-options"];
    await route.fulfill({ response: resp, headers, body: served });
  });
  for (const r of results) {
    const c = cases.find((x) => x.id === r.id);
    if (!c.html) { r.audit = []; r.audit_noscript = []; continue; }
    step(`sanitiser ${c.id}`);
    rec = fresh();
    const resp = await page.goto(`${base}${c.path}/body`, { waitUntil: "load" });
    r.raw_status = resp ? resp.status() : 0;
    await page.waitForTimeout(100);
    const a = await page.evaluate(audit, served);
    r.audit = a.live;
    r.audit_noscript = a.noscript;
    for (const k of Object.keys(rec)) r[k] = r[k].concat(rec[k]);
  }

  // Control: the same watchers on a page whose payloads do run.
  step("control");
  rec = fresh();
  const control = "<!doctype html><html><head><meta charset=utf-8><meta name=referrer content=no-referrer><style></style></head>"
    + "<body><script>__pwned('control')</script><img src=https://evil.example/control></body></html>";
  await page.route(`${base}/__control`, (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: control }));
  await page.goto(`${base}/__control`, { waitUntil: "load" });
  await page.waitForTimeout(200);
  out("control_pwned", rec.pwned.includes("control") ? "caught" : "missed");
  out("control_foreign", rec.foreign.some((u) => u.includes("evil.example/control")) ? "caught" : "missed");
  const a = await page.evaluate(audit, control);
  out("control_audit", a.live.length > 0 && a.noscript.length > 0 ? "caught" : "missed");
} catch (e) {
  fail(e);
} finally {
  for (const r of results) console.log(`CASE ${JSON.stringify(r)}`);
  await browser.close();
}
