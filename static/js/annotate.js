// The annotation page: mark a selection (mouse or keyboard) as a claim through the JSON API,
// highlight it in place, move between claims and sentences, and the keyboard help overlay.
// The article text is a run of <span class="seg" data-start=N> whose text nodes, in order, are
// exactly the article's text; data-start is the segment's code point offset, so a DOM
// selection converts to the code points the server stores without walking the whole text.
// A segment lists only its innermost claims (data-claims); a claim's anchor carries its whole
// span (data-claim-start, data-claim-end), which is what highlights the claim.

import { codePointLength, toCodePoint, toUtf16 } from "./offsets.js";

const CONTEXT = 32;
const root = document.getElementById("article-text");

if (root) {
  init();
}

function init() {
  const state = {
    segs: Array.from(root.querySelectorAll(".seg")),
    chars: null, // the article as an array of code points, built on first use
    lastRange: null,
    claim: null,
    sentence: -1,
    busy: false,
  };
  const status = document.getElementById("mark-status");
  const panelUrl = root.dataset.panelUrl;

  for (const button of document.querySelectorAll("[data-needs-js]")) button.disabled = false;

  // --- Offsets -------------------------------------------------------------------------------

  function articleChars() {
    if (!state.chars) state.chars = Array.from(root.textContent);
    return state.chars;
  }

  function segStart(seg) {
    return Number(seg.dataset.start);
  }

  function segOf(node) {
    const element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const seg = element && element.closest ? element.closest(".seg") : null;
    return seg && root.contains(seg) ? seg : null;
  }

  /** Return the code point offset in the article of a DOM boundary point. */
  function pointOf(node, offset) {
    if (node.nodeType === Node.TEXT_NODE) {
      const seg = segOf(node);
      if (seg && seg.firstChild === node) return segStart(seg) + toCodePoint(node.data, offset);
    }
    // An element boundary (triple click, keyboard): count the text before it.
    const range = document.createRange();
    range.setStart(root, 0);
    range.setEnd(node, offset);
    return codePointLength(range.toString());
  }

  /** Return {start, end} in code points for a Range, clamped to the article and trimmed. */
  function spanOf(range) {
    const total = articleChars().length;
    let start = 0;
    let end = total;
    if (root.contains(range.startContainer)) start = pointOf(range.startContainer, range.startOffset);
    else if (range.comparePoint(root, 0) < 0) return null;
    if (root.contains(range.endContainer)) end = pointOf(range.endContainer, range.endOffset);
    else if (range.comparePoint(root, root.childNodes.length) > 0) return null;
    const chars = articleChars();
    while (start < end && /\s/u.test(chars[start])) start += 1;
    while (end > start && /\s/u.test(chars[end - 1])) end -= 1;
    return start < end ? { start, end } : null;
  }

  function currentRange() {
    const selection = window.getSelection();
    if (selection.rangeCount && !selection.isCollapsed) {
      const range = selection.getRangeAt(0);
      if (range.intersectsNode(root)) return range;
    }
    return state.lastRange;
  }

  document.addEventListener("selectionchange", () => {
    const selection = window.getSelection();
    if (selection.rangeCount && !selection.isCollapsed) {
      const range = selection.getRangeAt(0);
      if (range.intersectsNode(root)) state.lastRange = range.cloneRange();
    }
  });

  // --- Marking -------------------------------------------------------------------------------

  function say(message, kind = "") {
    status.className = `toolbar-status${kind ? ` is-${kind}` : ""}`;
    status.textContent = message;
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function mark(span) {
    if (state.busy) return;
    if (!span) {
      say("Select some text in the article first (mouse, or . then Shift+→).", "error");
      return;
    }
    const chars = articleChars();
    const body = {
      start: span.start,
      end: span.end,
      quote: chars.slice(span.start, span.end).join(""),
      prefix: chars.slice(Math.max(0, span.start - CONTEXT), span.start).join(""),
      suffix: chars.slice(span.end, span.end + CONTEXT).join(""),
    };
    state.busy = true;
    say("Marking…");
    try {
      const response = await fetch(root.dataset.api, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken(),
        },
        body: JSON.stringify(body),
      });
      const data = await response.json().catch(() => ({}));
      if (response.status !== 201) {
        say(`Could not mark the claim: ${data.detail || `the server answered ${response.status}`}`, "error");
        return;
      }
      highlight(data.start, data.end, data.id);
      window.getSelection().removeAllRanges();
      state.lastRange = null;
      announceMarked(data.id);
    } catch (error) {
      say(`Could not mark the claim: ${error.message}`, "error");
    } finally {
      state.busy = false;
    }
  }

  function announceMarked(id) {
    status.className = "toolbar-status is-ok";
    status.textContent = `Marked claim #${id}. `;
    const link = document.createElement("a");
    link.href = `${panelUrl}?claim=${id}#claim-panel`;
    link.textContent = "Open it (Enter)";
    status.append(link);
    state.claim = id;
  }

  function segIndexAt(point) {
    let low = 0;
    let high = state.segs.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (segStart(state.segs[middle]) <= point) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** Split the segment holding `point` so a segment starts there; return its index. */
  function splitAt(point) {
    const index = segIndexAt(point);
    const seg = state.segs[index];
    const start = segStart(seg);
    if (start === point || !seg.firstChild) return index;
    const tail = seg.firstChild.splitText(toUtf16(seg.firstChild.data, point - start));
    const next = seg.cloneNode(false);
    next.dataset.start = String(point);
    next.classList.remove("claim-start", "is-new");
    seg.classList.remove("claim-end");
    next.append(tail);
    seg.after(next);
    state.segs.splice(index + 1, 0, next);
    return index + 1;
  }

  /** Highlight a new claim over [start, end) code points without reloading the page. */
  function highlight(start, end, id) {
    const first = splitAt(start);
    const total = articleChars().length;
    const last = end < total ? splitAt(end) : state.segs.length;
    for (let i = first; i < last; i += 1) {
      const seg = state.segs[i];
      const claims = (seg.dataset.claims || "").split(" ").filter(Boolean);
      claims.push(String(id));
      seg.dataset.claims = claims.join(" ");
      seg.classList.add("claim", "is-new");
      if (claims.length === 1) seg.classList.add("state-none");
      for (let d = 1; d <= 4; d += 1) seg.classList.remove(`depth-${d}`);
      seg.classList.add(`depth-${Math.min(claims.length, 4)}`);
    }
    state.segs[first].classList.add("claim-start");
    state.segs[last - 1].classList.add("claim-end");
    const anchor = document.createElement("span");
    anchor.className = "anchor";
    anchor.id = `claim-${id}`;
    anchor.dataset.claim = String(id);
    anchor.dataset.claimStart = String(start);
    anchor.dataset.claimEnd = String(end);
    state.segs[first].before(anchor);
  }

  // --- Sentences and claims ------------------------------------------------------------------

  function sentenceSegs(index) {
    return root.querySelectorAll(`.seg[data-s="${index}"]`);
  }

  function sentenceSpan(index) {
    const segs = sentenceSegs(index);
    if (!segs.length) return null;
    const last = segs[segs.length - 1];
    return { start: segStart(segs[0]), end: segStart(last) + codePointLength(last.textContent) };
  }

  function caretSentence() {
    const selection = window.getSelection();
    if (selection.rangeCount) {
      const seg = segOf(selection.getRangeAt(0).startContainer);
      if (seg && seg.dataset.s !== undefined) return Number(seg.dataset.s);
    }
    return state.sentence >= 0 ? state.sentence : null;
  }

  function moveSentence(step) {
    const all = root.querySelectorAll(".seg[data-s]");
    if (!all.length) return;
    const max = Number(all[all.length - 1].dataset.s);
    const from = caretSentence() ?? (step > 0 ? -1 : max + 1);
    const target = Math.min(Math.max(from + step, 0), max);
    const segs = sentenceSegs(target);
    if (!segs.length) return;
    for (const seg of root.querySelectorAll(".seg.cursor")) seg.classList.remove("cursor");
    for (const seg of segs) seg.classList.add("cursor");
    state.sentence = target;
    const text = segs[0].firstChild;
    if (text) window.getSelection().collapse(text, 0);
    segs[0].scrollIntoView({ block: "nearest" });
  }

  function claimAnchors() {
    return Array.from(root.querySelectorAll(".anchor"));
  }

  /** Return the segments a claim covers: its anchor carries its span, since a segment lists
   * only its innermost claims (data-claims) and would miss an outer one. */
  function claimSegs(anchor) {
    if (!anchor || anchor.dataset.claimEnd === undefined) return [];
    const end = Number(anchor.dataset.claimEnd);
    const found = [];
    for (let i = segIndexAt(Number(anchor.dataset.claimStart)); i < state.segs.length; i += 1) {
      if (segStart(state.segs[i]) >= end) break;
      found.push(state.segs[i]);
    }
    return found;
  }

  function focusClaim(id) {
    for (const seg of root.querySelectorAll(".claim.is-current")) seg.classList.remove("is-current");
    const anchor = document.getElementById(`claim-${id}`);
    const segs = anchor ? claimSegs(anchor) : [];
    for (const seg of segs.length ? segs : root.querySelectorAll(`.seg[data-claims~="${id}"]`)) {
      seg.classList.add("is-current");
    }
    state.claim = Number(id);
    if (anchor) anchor.nextElementSibling?.scrollIntoView({ block: "center" });
  }

  function moveClaim(step) {
    const anchors = claimAnchors();
    if (!anchors.length) {
      say("This article has no claims yet.");
      return;
    }
    const ids = anchors.map((a) => Number(a.dataset.claim));
    const at = ids.indexOf(state.claim);
    const next = at < 0 ? (step > 0 ? 0 : ids.length - 1) : (at + step + ids.length) % ids.length;
    focusClaim(ids[next]);
    say(`Claim ${next + 1} of ${ids.length} — Enter opens it.`);
  }

  function openClaim(id) {
    window.location.assign(`${panelUrl}?claim=${id}#claim-panel`);
  }

  root.addEventListener("click", (event) => {
    if (!window.getSelection().isCollapsed) return;
    const seg = segOf(event.target);
    if (!seg) return;
    if (seg.dataset.s !== undefined) state.sentence = Number(seg.dataset.s);
    if (seg.dataset.claims) openClaim(seg.dataset.claims.split(" ")[0]);
  });

  // --- Toolbar, keyboard and help ------------------------------------------------------------

  const markButton = document.getElementById("mark-claim");
  const markSentenceButton = document.getElementById("mark-sentence");
  const keepSelection = (event) => event.preventDefault();
  for (const button of [markButton, markSentenceButton]) {
    if (button) button.addEventListener("mousedown", keepSelection);
  }
  markButton?.addEventListener("click", () => markSelection());
  markSentenceButton?.addEventListener("click", () => markSentence());
  document.getElementById("next-claim")?.addEventListener("click", () => moveClaim(1));
  document.getElementById("prev-claim")?.addEventListener("click", () => moveClaim(-1));

  function markSelection() {
    const range = currentRange();
    return mark(range ? spanOf(range) : null);
  }

  function markSentence() {
    const index = caretSentence();
    if (index === null) {
      say("Put the cursor in a sentence first (click it, or press . to go to the next one).", "error");
      return;
    }
    mark(sentenceSpan(index));
  }

  const overlay = document.getElementById("help-overlay");
  let returnFocus = null;

  function openHelp() {
    returnFocus = document.activeElement;
    overlay.hidden = false;
    overlay.querySelector(".dialog").focus();
  }

  function closeHelp() {
    overlay.hidden = true;
    if (returnFocus) returnFocus.focus();
  }

  document.getElementById("show-help")?.addEventListener("click", openHelp);
  document.getElementById("close-help")?.addEventListener("click", closeHelp);
  overlay.addEventListener("click", (event) => {
    if (event.target === overlay) closeHelp();
  });

  function startKeyboardSelection(forward) {
    // Shift+Arrow extends only a non-empty selection in non-editable text, so make the first
    // character's selection here; the browser extends it from then on.
    const selection = window.getSelection();
    let node = null;
    let offset = 0;
    if (selection.rangeCount && root.contains(selection.anchorNode)) {
      node = selection.anchorNode;
      offset = selection.anchorOffset;
    }
    if (!node || node.nodeType !== Node.TEXT_NODE) {
      const seg = state.sentence >= 0 ? sentenceSegs(state.sentence)[0] : state.segs[0];
      node = seg?.firstChild;
      offset = 0;
    }
    if (!node) return;
    const step = (text, at) => {
      const code = text.charCodeAt(forward ? at : at - 1);
      return code >= 0xd800 && code <= 0xdfff ? 2 : 1;
    };
    if (forward && offset < node.data.length) {
      selection.setBaseAndExtent(node, offset, node, offset + step(node.data, offset));
    } else if (!forward && offset > 0) {
      selection.setBaseAndExtent(node, offset, node, offset - step(node.data, offset));
    }
  }

  function verdictField() {
    const form = document.getElementById("verdict-form");
    if (!form) return null;
    return form.querySelector("input[name=verdict-rating]:checked") || form.querySelector("input, textarea");
  }

  document.addEventListener("keydown", (event) => {
    if (!overlay.hidden) {
      if (event.key === "Escape") {
        event.preventDefault();
        closeHelp();
      }
      return;
    }
    const target = event.target;
    const typing =
      target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      const form = target.form || target.closest?.("form");
      if (!form) return;
      event.preventDefault();
      const submit = event.shiftKey
        ? form.querySelector("#submit-verdict")
        : form.querySelector("button[type=submit]");
      form.requestSubmit(submit || undefined);
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.shiftKey && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      const selection = window.getSelection();
      if (selection.isCollapsed || !root.contains(selection.anchorNode)) {
        if (target === root || root.contains(target) || root.contains(selection.anchorNode)) {
          event.preventDefault();
          startKeyboardSelection(event.key === "ArrowRight");
        }
      }
      return;
    }
    switch (event.key) {
      case "?":
        event.preventDefault();
        openHelp();
        break;
      case "m":
        if (markButton) {
          event.preventDefault();
          markSelection();
        }
        break;
      case "s":
        if (markSentenceButton) {
          event.preventDefault();
          markSentence();
        }
        break;
      case "j":
        event.preventDefault();
        moveClaim(1);
        break;
      case "k":
        event.preventDefault();
        moveClaim(-1);
        break;
      case ".":
        event.preventDefault();
        root.focus({ preventScroll: true });
        moveSentence(1);
        break;
      case ",":
        event.preventDefault();
        root.focus({ preventScroll: true });
        moveSentence(-1);
        break;
      case "v": {
        const field = verdictField();
        if (field) {
          event.preventDefault();
          field.focus();
          field.scrollIntoView({ block: "center" });
        }
        break;
      }
      case "Enter":
        if (state.claim && (target === root || target === document.body)) {
          event.preventDefault();
          openClaim(state.claim);
        }
        break;
      default:
    }
  });

  if (root.dataset.selected) focusClaim(root.dataset.selected);
}
