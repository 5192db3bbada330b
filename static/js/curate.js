// The curation page: "Use selected text" fills an adjust or merge form's start and end with
// the code-point offsets of the text selected in the article (the forms work without this
// script; the offsets can be typed). Offsets count code points, as the server does: the DOM
// counts UTF-16 units, and the numbered links to the groups inside the text are not part of it.
import { codePointLength } from "./offsets.js";

const root = document.getElementById("curate-text");

/** Return the code points of article text before (node, offset), skipping hidden labels. */
function pointsBefore(node, offset) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (text) =>
      text.parentElement.closest("[data-not-text]")
        ? NodeFilter.FILTER_REJECT
        : NodeFilter.FILTER_ACCEPT,
  });
  let points = 0;
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    if (text === node) return points + codePointLength(text.data.slice(0, offset));
    const position = text.compareDocumentPosition(node);
    if (!(position & Node.DOCUMENT_POSITION_FOLLOWING)) return points;
    points += codePointLength(text.data);
  }
  return points;
}

/** Return {start, end} of the selection in the article text, or null. */
function selectedSpan() {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
  const range = selection.getRangeAt(0);
  if (!root.contains(range.startContainer) || !root.contains(range.endContainer)) return null;
  const start = pointsBefore(range.startContainer, range.startOffset);
  const end = pointsBefore(range.endContainer, range.endOffset);
  return end > start ? { start, end } : null;
}

if (root) {
  for (const button of document.querySelectorAll("[data-use-selection]")) {
    button.hidden = false;
    const form = button.closest("form");
    const status = form.querySelector("[data-selection-status]");
    button.addEventListener("click", () => {
      const span = selectedSpan();
      if (!span) {
        status.textContent = "Select text in the article above first.";
        return;
      }
      form.elements.start.value = span.start;
      form.elements.end.value = span.end;
      status.textContent = `Start ${span.start}, end ${span.end}.`;
    });
  }
}
