// Keyboard shortcuts of the message list (issue 10), with their help
// screen on "?". Every shortcut repeats something the page already offers
// by links, buttons and forms; none is the only way to do anything.
// - Never while typing: text fields, selects and editable content keep
//   their keys, and so do keys with Ctrl, Alt or Meta.
// - WCAG 2.1.4 (character key shortcuts): they can be turned off in the
//   help screen (kept in this browser), which the "Raccourcis clavier"
//   button opens without any shortcut.
// - The help screen is a modal <dialog>: focus goes into it, stays there,
//   Escape or its button close it and focus returns where it was.
// The words shown come from the page (the catalogues), not from here.
const list = document.querySelector("main[data-state]");
const dialog = document.getElementById("shortcuts");
const OFF_KEY = "vesontio.shortcuts";

const enabled = () => {
  try { return localStorage.getItem(OFF_KEY) !== "off"; } catch (e) { return true; }
};

function typing(el) {
  if (!el) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") {
    return !["checkbox", "radio", "button", "submit", "reset", "image", "file", "range", "color"].includes(el.type);
  }
  return false;
}

const rows = () => [...document.querySelectorAll("#list-region li.message")];
const current = () => document.querySelector("#list-region li.message.current");

function focusRow(li) {
  for (const r of rows()) r.classList.toggle("current", r === li);
  if (!li) return;
  const link = li.querySelector("a");
  if (link) link.focus();
  li.scrollIntoView({ block: "nearest" });
}

function move(step) {
  const all = rows();
  if (all.length === 0) return;
  const i = all.indexOf(current());
  const next = i < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, i + step));
  focusRow(all[next]);
}

// The ticked rows, or else the current one, for the toolbar's action.
function act(action) {
  const form = document.querySelector("#list-region form.selection");
  const button = form?.querySelector(`.toolbar button[value="${action}"]`);
  if (!form || !button) return;
  const ticked = form.querySelectorAll("input.select:checked");
  if (ticked.length === 0) {
    const row = current();
    if (!row) return;
    const box = row.querySelector("input.select");
    if (box) box.checked = true;
  }
  form.requestSubmit(button);
}

function compose(mode) {
  const row = current();
  if (!row) return;
  location.assign(`/compose?mode=${mode}&mailbox=${encodeURIComponent(row.dataset.mailbox)}&uid=${encodeURIComponent(row.dataset.uid)}`);
}

let opener = null;
function openHelp() {
  if (!dialog || dialog.open) return;
  opener = document.activeElement;
  dialog.showModal();
  dialog.querySelector("h2")?.focus();
}
function closeHelp() {
  if (dialog?.open) dialog.close();
}

if (list && dialog) {
  const show = document.getElementById("shortcuts-open");
  const off = document.getElementById("shortcuts-off");
  if (show) {
    show.hidden = false;
    show.addEventListener("click", openHelp);
  }
  document.getElementById("shortcuts-close")?.addEventListener("click", closeHelp);
  // Focus goes back to what opened the dialog (a key or the button).
  dialog.addEventListener("close", () => {
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  });
  if (off) {
    off.checked = !enabled();
    off.addEventListener("change", () => {
      try { localStorage.setItem(OFF_KEY, off.checked ? "off" : "on"); } catch (e) { /* private mode */ }
    });
  }
  // Clicking or tabbing into a row makes it the current one.
  list.addEventListener("focusin", (e) => {
    const li = e.target.closest?.("li.message");
    if (li) for (const r of rows()) r.classList.toggle("current", r === li);
  });
  // Live updates replace the rows: the current one stays current.
  list.addEventListener("rows-replaced", (e) => {
    const name = e.detail?.current;
    const li = name && rows().find((r) => r.dataset.select === name);
    if (li) {
      li.classList.add("current");
      if (e.detail.hadFocus) li.querySelector("a")?.focus();
    }
  });

  let pendingG = 0;
  document.addEventListener("keydown", (e) => {
    // AltGr (reported as Ctrl+Alt on some systems) types "#" on French
    // keyboards: it is not a modifier here.
    const altGr = e.getModifierState?.("AltGraph");
    if (e.defaultPrevented || e.metaKey || ((e.ctrlKey || e.altKey) && !altGr)) return;
    if (dialog.open) {
      // The dialog handles Escape itself; nothing else acts behind it.
      if (e.key === "Escape") { e.preventDefault(); closeHelp(); }
      return;
    }
    if (typing(e.target) || !enabled()) return;
    const inList = !!e.target.closest?.("#list-region ul.messages");
    const k = e.key;
    if (pendingG && Date.now() - pendingG < 1500) {
      pendingG = 0;
      if (k === "i") { e.preventDefault(); location.assign("/mail"); }
      return;
    }
    pendingG = 0;
    let done = true;
    switch (k) {
      case "j": move(1); break;
      case "k": move(-1); break;
      // Arrows keep scrolling the page unless the focus is in the list.
      case "ArrowDown": if (inList) move(1); else done = false; break;
      case "ArrowUp": if (inList) move(-1); else done = false; break;
      case "Enter":
      case "o": {
        // Enter on a link or button does what it does already.
        const tag = e.target.tagName;
        if (k === "Enter" && (tag === "A" || tag === "BUTTON" || tag === "SUMMARY")) { done = false; break; }
        const link = current()?.querySelector("a");
        if (link) location.assign(link.href); else done = false;
        break;
      }
      case "r": compose("reply"); break;
      case "a": compose("all"); break;
      case "f": compose("forward"); break;
      case "c": location.assign("/compose"); break;
      case "#":
      case "Delete": act("delete"); break;
      case "s": act(current()?.hasAttribute("data-flagged") && !document.querySelector("#list-region input.select:checked") ? "unflag" : "flag"); break;
      case "u": act("unread"); break;
      case "/": {
        const search = document.getElementById("quick-search");
        if (search) search.focus(); else location.assign("/search");
        break;
      }
      case "g": pendingG = Date.now(); break;
      case "?": openHelp(); break;
      default: done = false;
    }
    if (done) e.preventDefault();
  });
}
