// Address completion for the To, Cc and Bcc fields of the compose form
// (WAI-ARIA 1.2 combobox with a list popup). Only a help: the fields stay
// plain text, the form works without it, and the server checks every
// address when the message is sent. Suggestions come from
// GET /api/addresses?q= (the directory's people, functional mailboxes and
// the lists the person may post to); the words shown come from the page's
// data-* attributes, that is the catalogue, never from this file.
const form = document.querySelector("form.compose");
const inputs = form ? form.querySelectorAll("input[data-complete]") : [];
let status = null;
if (inputs.length > 0) {
  status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("aria-live", "polite");
  form.appendChild(status);
}

// The address being typed: the text after the last comma before the caret.
const token = (input) => {
  const upto = input.value.slice(0, input.selectionStart ?? input.value.length);
  const start = upto.lastIndexOf(",") + 1;
  return { start, text: upto.slice(start).trim() };
};

// RFC 5322 §3.4: a display name with specials is a quoted string.
const mailbox = (s) => {
  if (!s.name) return s.email;
  const name = /[,;:<>"@()\[\]\\.]/.test(s.name)
    ? `"${s.name.replace(/["\\]/g, "\\$&")}"` : s.name;
  return `${name} <${s.email}>`;
};

inputs.forEach((input) => {
  const list = document.createElement("ul");
  list.id = `${input.id}-suggestions`;
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", form.dataset.suggestions || "");
  list.hidden = true;
  input.insertAdjacentElement("afterend", list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  let items = [];
  let active = -1;
  let timer = 0;
  let pending = null;

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  };

  const highlight = (i) => {
    active = i;
    [...list.children].forEach((li, k) => li.setAttribute("aria-selected", String(k === i)));
    if (i >= 0) input.setAttribute("aria-activedescendant", `${list.id}-${i}`);
    else input.removeAttribute("aria-activedescendant");
  };

  const choose = (i) => {
    const s = items[i];
    if (!s) return;
    const { start } = token(input);
    const end = input.selectionStart ?? input.value.length;
    const before = input.value.slice(0, start);
    const after = input.value.slice(end).replace(/^[^,]*,?\s*/, "");
    const lead = before && !before.endsWith(" ") ? " " : "";
    const text = `${before}${lead}${mailbox(s)}, `;
    input.value = text + after;
    input.setSelectionRange(text.length, text.length);
    close();
  };

  const show = (suggestions) => {
    items = suggestions;
    list.replaceChildren();
    suggestions.forEach((s, i) => {
      const li = document.createElement("li");
      li.id = `${list.id}-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      const name = document.createElement("span");
      name.className = "suggestion-name";
      name.textContent = s.name || s.email;
      const email = document.createElement("span");
      email.className = "suggestion-email";
      email.textContent = s.email;
      li.append(name, " ", email);
      // mousedown, not click: the field keeps the focus.
      li.addEventListener("mousedown", (ev) => { ev.preventDefault(); choose(i); });
      list.appendChild(li);
    });
    const open = suggestions.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    active = -1;
    status.textContent = open
      ? (form.dataset.count || "{0}").replace("{0}", String(suggestions.length))
      : (form.dataset.noMatch || "");
  };

  const lookup = async () => {
    const { text } = token(input);
    if (text.length < 2 || text.includes("<")) { close(); return; }
    pending?.abort();
    pending = new AbortController();
    try {
      const url = `${input.dataset.complete}?q=${encodeURIComponent(text)}`;
      const res = await fetch(url, { signal: pending.signal, credentials: "same-origin" });
      if (!res.ok) { close(); return; }
      const answer = await res.json();
      // Typed on meanwhile: this answer is for an older text.
      if (answer.query !== token(input).text.slice(0, 64)) return;
      show(answer.list || []);
    } catch (e) {
      if (e.name !== "AbortError") close();
    }
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(lookup, 150);
  });
  input.addEventListener("keydown", (ev) => {
    if (list.hidden) return;
    if (ev.key === "ArrowDown") {
      ev.preventDefault();
      highlight((active + 1) % items.length);
    } else if (ev.key === "ArrowUp") {
      ev.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (ev.key === "Enter" && active >= 0) {
      ev.preventDefault();
      choose(active);
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      close();
    } else if (ev.key === "Tab") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
});
