// Rich-text compose: a "Formatting" switch above the body turns the
// textarea into an editor (contenteditable, role=textbox) with a toolbar
// (WAI-ARIA toolbar pattern: one tab stop, arrow keys inside). The HTML
// goes in the form's "html" field and the same words, as text, stay in the
// textarea: the server cleans the HTML (mail/rich.rs) and sends both as
// multipart/alternative. Without this script, or with the switch off, the
// message is plain text. Labels come from the page's data-* attributes
// (the catalogue).
const field = document.getElementById("body-field");
const area = document.getElementById("body");
const form = area ? area.form : null;
const html = form ? form.querySelector("input[name=html]") : null;
if (field && area && html) {
  const d = field.dataset;
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "rich-toggle";
  toggle.textContent = d.richToggle;
  toggle.setAttribute("aria-pressed", "false");
  field.insertBefore(toggle, area);

  let editor = null;
  let bar = null;

  const escape = (t) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const sync = () => {
    if (!editor) return;
    html.value = editor.innerHTML;
    area.value = editor.innerText.replace(/\n{3,}/g, "\n\n");
    area.dispatchEvent(new Event("input", { bubbles: true }));
  };

  const command = (name, value) => {
    editor.focus();
    document.execCommand(name, false, value);
    sync();
  };

  const buttons = [
    ["bold", "B", () => command("bold")],
    ["italic", "I", () => command("italic")],
    ["underline", "U", () => command("underline")],
    ["bullets", "•", () => command("insertUnorderedList")],
    ["numbers", "1.", () => command("insertOrderedList")],
    ["quote", "❝", () => command("formatBlock", "blockquote")],
    ["link", "↗", () => {
      const url = window.prompt(d.richLinkPrompt, "https://");
      if (url && /^(https?:|mailto:)/i.test(url.trim())) command("createLink", url.trim());
    }],
    ["clear", "⌫", () => command("removeFormat")],
  ];

  const on = () => {
    bar = document.createElement("div");
    bar.className = "rich-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", d.richToolbar);
    bar.setAttribute("aria-controls", "body-editor");
    buttons.forEach(([key, glyph, run], i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.command = key;
      b.tabIndex = i === 0 ? 0 : -1;
      b.setAttribute("aria-label", d[`rich${key[0].toUpperCase()}${key.slice(1)}`]);
      b.title = b.getAttribute("aria-label");
      const g = document.createElement("span");
      g.setAttribute("aria-hidden", "true");
      g.textContent = glyph;
      b.appendChild(g);
      // mousedown: the editor keeps its selection.
      b.addEventListener("mousedown", (ev) => ev.preventDefault());
      b.addEventListener("click", run);
      bar.appendChild(b);
    });
    bar.addEventListener("keydown", (ev) => {
      const all = [...bar.querySelectorAll("button")];
      const i = all.indexOf(document.activeElement);
      let j = -1;
      if (ev.key === "ArrowRight") j = (i + 1) % all.length;
      else if (ev.key === "ArrowLeft") j = (i - 1 + all.length) % all.length;
      else if (ev.key === "Home") j = 0;
      else if (ev.key === "End") j = all.length - 1;
      if (j < 0) return;
      ev.preventDefault();
      all.forEach((b, k) => { b.tabIndex = k === j ? 0 : -1; });
      all[j].focus();
    });
    editor = document.createElement("div");
    editor.id = "body-editor";
    editor.className = "rich-editor";
    editor.contentEditable = "true";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    const label = field.querySelector("label[for=body]");
    if (label && !label.id) label.id = "body-label";
    editor.setAttribute("aria-labelledby", "body-label");
    // The server cleaned this HTML (mail/rich.rs) before putting it here.
    editor.innerHTML = html.value || escape(area.value).replace(/\n/g, "<br>");
    editor.addEventListener("input", sync);
    area.hidden = true;
    area.insertAdjacentElement("afterend", editor);
    area.insertAdjacentElement("afterend", bar);
    toggle.setAttribute("aria-pressed", "true");
    sync();
  };

  const off = () => {
    sync();
    html.value = "";
    editor.remove();
    bar.remove();
    editor = null;
    bar = null;
    area.hidden = false;
    toggle.setAttribute("aria-pressed", "false");
    area.focus();
  };

  toggle.addEventListener("click", () => {
    if (editor) off(); else { on(); editor.focus(); }
  });
  form.addEventListener("submit", sync);
  // A draft written with formatting reopens in the editor.
  if (html.value.trim() !== "") on();
}
