// Saves the compose form as a draft while the person writes: some seconds
// (the form's data-autosave) after the last change, the form is posted
// with action=autosave and the server answers JSON (mail/autosave.rs):
// the new draft's id goes into the form's "draft" field, so the next save
// replaces it and sending deletes it. Files chosen but not attached are
// not sent: attaching stays the person's choice. Only a help: without it,
// the "save" button does the same.
const form = document.querySelector("form.compose[data-autosave]");
if (form) {
  const status = document.getElementById("autosave-status");
  const draft = form.querySelector("input[name=draft]");
  let timer = 0;
  let inflight = null;
  let sending = false;

  const save = async () => {
    const body = new FormData(form);
    body.delete("files");
    body.set("action", "autosave");
    try {
      // form.action would be the buttons named "action": read the attribute.
      const res = await fetch(form.getAttribute("action"), {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!res.ok) return;
      const a = await res.json();
      if (a.saved && a.draft) {
        draft.value = a.draft;
        form.dataset.saved = a.draft;
      }
      if (status && (a.notice || a.error)) status.textContent = a.notice || a.error;
    } catch (_) {
      // Offline for a moment: the next change tries again.
    }
  };

  const schedule = () => {
    if (sending) return;
    clearTimeout(timer);
    const seconds = Number(form.dataset.autosave) || 20;
    timer = setTimeout(() => {
      inflight = save().finally(() => { inflight = null; });
    }, seconds * 1000);
  };

  form.addEventListener("input", (ev) => {
    if (ev.target.type !== "file") schedule();
  });
  // A save still on its way when the person sends: wait for it, so the
  // form names the draft that sending must delete.
  form.addEventListener("submit", async (ev) => {
    clearTimeout(timer);
    if (inflight) {
      ev.preventDefault();
      const submitter = ev.submitter;
      await inflight;
      sending = true;
      form.requestSubmit(submitter);
      return;
    }
    sending = true;
  });
}
