// Keyboard shortcuts for the review queue: j/k move between verdicts, a approves the current
// one, r focuses its return note, Ctrl/Cmd+Enter sends the note, Esc leaves it, ? shows help.
// The page works without this script: every action is a plain form.

const items = () => Array.from(document.querySelectorAll("[data-queue-item]"));
let current = -1;

function isTyping(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function mark(index) {
  current = index;
  items().forEach((el, i) => el.classList.toggle("current", i === current));
}

function select(index) {
  const all = items();
  if (all.length === 0) return;
  mark(Math.max(0, Math.min(index, all.length - 1)));
  all[current].focus();
  all[current].scrollIntoView({ block: "nearest" });
}

function currentItem() {
  if (current < 0) select(0);
  return items()[current] || null;
}

function toggleHelp() {
  const dialog = document.getElementById("shortcut-help");
  if (!dialog) return;
  if (dialog.open) dialog.close();
  else dialog.showModal();
}

function onTypingKey(event) {
  const target = event.target;
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.form) {
    event.preventDefault();
    target.form.requestSubmit();
  } else if (event.key === "Escape") {
    const item = target.closest("[data-queue-item]");
    target.blur();
    if (item) item.focus();
  }
}

document.addEventListener("keydown", (event) => {
  if (isTyping(event.target)) {
    if (event.target.matches("[data-return-note], .approve-form input")) onTypingKey(event);
    return;
  }
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  if (document.getElementById("shortcut-help")?.open && event.key !== "?") return;
  switch (event.key) {
    case "j":
      event.preventDefault();
      select(current + 1);
      break;
    case "k":
      event.preventDefault();
      select(current - 1);
      break;
    case "a": {
      const form = currentItem()?.querySelector("[data-approve-form]");
      if (form) {
        event.preventDefault();
        form.requestSubmit();
      }
      break;
    }
    case "r": {
      const note = currentItem()?.querySelector("[data-return-note]");
      if (note) {
        event.preventDefault();
        note.focus();
      }
      break;
    }
    case "?":
      event.preventDefault();
      toggleHelp();
      break;
    default:
  }
});

// Keep "current" in step with clicks and Tab focus, so a and r act on what the editor sees.
document.addEventListener("focusin", (event) => {
  const item = event.target instanceof Element && event.target.closest("[data-queue-item]");
  if (item) mark(items().indexOf(item));
});

for (const button of document.querySelectorAll("[data-shortcut-help]")) {
  button.hidden = false;
  button.addEventListener("click", toggleHelp);
}
