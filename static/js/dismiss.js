// "Not a claim" from the keyboard: x dismisses the suggestion at the cursor (the sentence put
// there with . and ,) or the suggestion whose buttons have focus. The forms are plain POSTs in
// templates/annotations/_sentence_dismiss.html; this only submits the right one.

function targetForm() {
  const focused = document.activeElement?.closest?.(".suggestion-list li");
  const inList = focused?.querySelector("form[data-dismiss-sentence]");
  if (inList) return inList;
  const cursor = document.querySelector(".seg.cursor[data-s]");
  if (!cursor) return null;
  return document.querySelector(`form[data-dismiss-sentence="${CSS.escape(cursor.dataset.s)}"]`);
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "x" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return;
  const overlay = document.getElementById("help-overlay");
  if (overlay && !overlay.hidden) return;
  const form = targetForm();
  if (!form) return;
  event.preventDefault();
  form.requestSubmit();
});
