// Drag and drop of list rows onto the folder tree (issue 10). A row, or
// every ticked row when the dragged one is ticked, is dropped on a folder
// and moved there by the list's own form action (POST /mail/<id>/actions,
// action=move, with the session's CSRF token from the page), exactly what
// the toolbar's "Déplacer vers" does; that menu is the keyboard's way and
// works without JavaScript. The page then shows the server's answer.
const main = document.querySelector("main[data-state]");
const TYPE = "application/x-vesontio-messages";

function selection(li) {
  const box = li.querySelector("input.select");
  if (box && box.checked) {
    return [...document.querySelectorAll("#list-region input.select:checked")].map((b) => b.name);
  }
  return [li.dataset.select];
}

if (main) {
  const here = main.dataset.mailbox;
  const region = document.getElementById("list-region");
  // Rows are draggable once this module runs (the markup stays plain).
  const arm = () => {
    for (const li of region.querySelectorAll("li.message")) li.draggable = true;
  };
  arm();
  region.addEventListener("rows-replaced", arm);

  region.addEventListener("dragstart", (e) => {
    const li = e.target.closest?.("li.message");
    if (!li) return;
    const names = selection(li);
    e.dataTransfer.setData(TYPE, JSON.stringify(names));
    e.dataTransfer.setData("text/plain", li.querySelector(".subject")?.textContent?.trim() || "");
    e.dataTransfer.effectAllowed = "move";
    for (const n of names) region.querySelector(`li.message[data-select="${CSS.escape(n)}"]`)?.classList.add("dragging");
  });
  region.addEventListener("dragend", () => {
    for (const li of region.querySelectorAll("li.dragging")) li.classList.remove("dragging");
  });

  const target = (e) => {
    const a = e.target.closest?.("nav.folders a[data-mailbox]");
    return a && a.dataset.mailbox !== here && e.dataTransfer.types.includes(TYPE) ? a : null;
  };
  const folders = document.querySelector("nav.folders");
  folders?.addEventListener("dragover", (e) => {
    const a = target(e);
    if (!a) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    a.classList.add("drop-target");
  });
  folders?.addEventListener("dragleave", (e) => {
    e.target.closest?.("a")?.classList.remove("drop-target");
  });
  folders?.addEventListener("drop", async (e) => {
    const a = target(e);
    if (!a) return;
    e.preventDefault();
    a.classList.remove("drop-target");
    let names = [];
    try { names = JSON.parse(e.dataTransfer.getData(TYPE)); } catch (err) { return; }
    const csrf = region.querySelector("form.selection input[name=csrf]")?.value;
    if (!csrf || names.length === 0) return;
    const body = new URLSearchParams({ csrf, action: "move", target: a.dataset.mailbox });
    for (const n of names) body.append(n, "on");
    const res = await fetch(`/mail/${encodeURIComponent(here)}/actions`, {
      method: "POST",
      body,
      credentials: "same-origin",
    });
    // The list with the server's notice ("Les messages ont été déplacés.").
    location.assign(res.url || location.href);
  });
}
