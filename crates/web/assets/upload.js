// The compose form's "attach" button with a progress bar: the form goes
// with XMLHttpRequest (fetch reports no upload progress), the server files
// the draft with its files and answers JSON (mail/autosave.rs), then the
// draft opens with its files listed. Without this script the button posts
// the form and the page comes back the same way, without the bar.
const form = document.querySelector("form.compose");
const button = form ? form.querySelector("button[value=attach]") : null;
const box = document.getElementById("upload-progress");
const files = document.getElementById("files");
if (form && button && box && files) {
  const meter = document.getElementById("upload-meter");
  const text = document.getElementById("upload-text");
  let last = -1;
  const show = (pct) => {
    meter.value = pct;
    // Announce every 10 %, not every event.
    const step = Math.floor(pct / 10) * 10;
    if (step !== last) {
      last = step;
      text.textContent = (box.dataset.label || "{0}").replace("{0}", String(step));
    }
  };
  const fallback = () => {
    box.hidden = true;
    button.disabled = false;
    form.requestSubmit(button);
  };
  button.addEventListener("click", (ev) => {
    if (files.files.length === 0) return;
    ev.preventDefault();
    const body = new FormData(form);
    body.set("action", "attach");
    const xhr = new XMLHttpRequest();
    // form.action would be the buttons named "action": read the attribute.
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) show(Math.round((e.loaded / e.total) * 100));
    });
    xhr.addEventListener("load", () => {
      let a = null;
      try { a = JSON.parse(xhr.responseText); } catch (_) { a = null; }
      const id = a && a.saved && a.draft ? a.draft.split("/") : null;
      if (id && id.length === 2) {
        show(100);
        window.location.assign(`/compose?mode=draft&mailbox=${encodeURIComponent(id[0])}&uid=${encodeURIComponent(id[1])}`);
      } else {
        // A refusal (R6, R7…) or an unreadable address: the page's own
        // answer, with its sentence, comes from the plain submission.
        fallback();
      }
    });
    xhr.addEventListener("error", fallback);
    box.hidden = false;
    show(0);
    button.disabled = true;
    xhr.send(body);
  });
}
