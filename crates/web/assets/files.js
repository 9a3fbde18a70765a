// Resumable upload of a large file (R21), with a progress bar. Enhances
// the plain form of /files, which works without this script. The server
// side is files/upload.rs: POST /files/uploads starts the file, PUT
// /files/uploads/{id} sends pieces with Content-Range, GET says where the
// upload stands, so a dropped connection resumes where it stopped instead
// of starting again. The words shown come from the page (data-*
// attributes, i.e. the catalogue), never from this file.
const form = document.getElementById("upload-form");
if (form && window.fetch && window.File) {
  const box = document.getElementById("upload-progress");
  const meter = document.getElementById("upload-meter");
  const status = document.getElementById("upload-status");
  const button = document.getElementById("upload-button");
  const d = form.dataset;
  const chunk = Number(d.chunk) || 8 * 1024 * 1024;
  const headers = { "X-CSRF-Token": d.csrf };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  const show = (done, total, text) => {
    const pct = total > 0 ? Math.floor((done * 100) / total) : 100;
    meter.value = pct;
    meter.textContent = pct + " %";
    status.textContent = text.replace("{0}", pct);
  };

  // Where the server stands, after an error.
  const where = async (id) => {
    const r = await fetch("/files/uploads/" + id, { headers, credentials: "same-origin" });
    if (!r.ok) throw new Error("status " + r.status);
    return (await r.json()).offset;
  };

  const send = async (file, id, offset) => {
    let failures = 0;
    while (offset < file.size) {
      const end = Math.min(offset + chunk, file.size);
      try {
        const r = await fetch("/files/uploads/" + id, {
          method: "PUT",
          credentials: "same-origin",
          headers: { ...headers, "Content-Range": `bytes ${offset}-${end - 1}/${file.size}` },
          body: file.slice(offset, end),
        });
        if (r.status === 409 || r.status === 416) {
          offset = (await r.json()).offset;
        } else if (r.ok) {
          offset = (await r.json()).offset;
          failures = 0;
        } else {
          throw new Error("status " + r.status);
        }
        show(offset, file.size, d.sending);
      } catch (e) {
        // A dropped connection: wait, ask where the upload stands, resume.
        failures += 1;
        if (failures > 30) throw e;
        show(offset, file.size, d.resuming);
        await sleep(Math.min(1000 * failures, 10000));
        try { offset = await where(id); } catch (_) { /* next round */ }
      }
    }
  };

  form.addEventListener("submit", async (ev) => {
    const input = document.getElementById("file");
    const file = input.files && input.files[0];
    if (!file) return;
    ev.preventDefault();
    if (file.size > Number(d.max)) {
      box.hidden = false;
      status.textContent = d.tooBig;
      return;
    }
    button.disabled = true;
    box.hidden = false;
    show(0, file.size, d.sending);
    try {
      const r = await fetch("/files/uploads", {
        method: "POST",
        credentials: "same-origin",
        headers: { ...headers, "Content-Type": "application/json" },
        body: JSON.stringify({
          name: file.name,
          type: file.type,
          size: file.size,
          expiry: document.getElementById("expiry").value,
          password: document.getElementById("file-password").value,
        }),
      });
      const started = await r.json();
      if (!r.ok) {
        status.textContent = started.error || d.failed;
        button.disabled = false;
        return;
      }
      await send(file, started.id, started.offset);
      show(file.size, file.size, d.done);
      window.location.assign("/files?ok=uploaded");
    } catch (e) {
      status.textContent = d.failed;
      button.disabled = false;
    }
  });
}
