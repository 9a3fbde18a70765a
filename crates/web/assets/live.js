// Live updates of the message list (issue 10): the server's event stream
// (/events, text/event-stream) says when the account's state changed; the
// page then asks /changes?since=<state> (shaped after JMAP Email/changes)
// and refreshes what it shows: the folder tree's unread counts always, the
// rows when the changes touched this folder and the first page is shown
// (later pages are keyset pages a person is reading: left alone).
// The rows come from the server's own list page, fetched and parsed, so
// no markup is built here. Ticked boxes and the keyboard's current row are
// kept across a refresh. Without JavaScript, a reload shows the same.
const main = document.querySelector("main[data-state]");
// Requests the page makes by itself: the server does not count them as the
// person's activity (an open tab must not keep a session alive).
const BACKGROUND = { "X-Vesontio-Background": "1" };

function updateCounts(mailboxes) {
  for (const m of mailboxes || []) {
    const link = document.querySelector(`nav.folders a[data-mailbox="${m.id}"]`);
    if (!link) continue;
    const count = link.querySelector(".count");
    const label = link.querySelector(".unseen-label");
    if (count) {
      count.textContent = String(m.unreadEmails);
      count.hidden = m.unreadEmails === 0;
    }
    if (label) label.textContent = m.unreadEmails > 0 ? `, ${m.unreadLabel}` : "";
  }
}

// Replaces the rows with the server's current ones, keeping what the
// person ticked and where the keyboard was.
async function refreshRows() {
  const res = await fetch(location.href, { headers: BACKGROUND, credentials: "same-origin" });
  if (!res.ok || res.redirected) return 0;
  const doc = new DOMParser().parseFromString(await res.text(), "text/html");
  const fresh = doc.getElementById("list-region");
  const region = document.getElementById("list-region");
  if (!fresh || !region) return 0;
  const ticked = new Set([...region.querySelectorAll("input.select:checked")].map((i) => i.name));
  const before = new Set([...region.querySelectorAll("li.message")].map((li) => li.dataset.select));
  const current = region.querySelector("li.message.current")?.dataset.select;
  const hadFocus = region.contains(document.activeElement);
  region.replaceChildren(...fresh.childNodes);
  for (const name of ticked) {
    const box = region.querySelector(`input.select[name="${CSS.escape(name)}"]`);
    if (box) box.checked = true;
  }
  const total = doc.querySelector("#list-title .total");
  const mine = document.querySelector("#list-title .total");
  if (total && mine) mine.textContent = total.textContent;
  region.dispatchEvent(new CustomEvent("rows-replaced", { bubbles: true, detail: { current, hadFocus } }));
  return [...region.querySelectorAll("li.message")].filter((li) => !before.has(li.dataset.select)).length;
}

if (main && "EventSource" in window) {
  let state = main.dataset.state;
  let busy = false;
  let again = false;
  const status = document.getElementById("live-status");
  const refresh = async () => {
    if (busy) { again = true; return; }
    busy = true;
    try {
      do {
        again = false;
        const res = await fetch(`/changes?since=${encodeURIComponent(state)}`, { headers: BACKGROUND, credentials: "same-origin" });
        if (!res.ok || res.redirected) return;
        const j = await res.json();
        updateCounts(j.mailboxes);
        const here = j.type === "cannotCalculateChanges" || (j.changedMailboxes || []).includes(main.dataset.mailbox);
        if (here && main.hasAttribute("data-live-rows")) {
          const added = await refreshRows();
          // Announced once, politely (a screen reader finishes its sentence).
          if ((added > 0 || (j.created || []).length > 0) && status) status.textContent = main.dataset.newMail;
        }
        state = j.newState;
        main.dataset.state = state;
        if (j.hasMoreChanges) again = true;
      } while (again);
    } catch (e) {
      // A dropped connection: the next event tries again.
    } finally {
      busy = false;
    }
  };
  const source = new EventSource(`/events?since=${encodeURIComponent(state)}`);
  source.addEventListener("change", refresh);
  // The stream ends when the session does; the browser reconnects by
  // itself after a network error, and gives up on a refusal (login page).
  window.addEventListener("pagehide", () => source.close());
}
