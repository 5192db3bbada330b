// The annotation page: mark a selection (mouse or keyboard) as a claim through the JSON API,
// highlight it in place and list it in the panel, undo the last mark or deletion, delete a
// claim after an in-page confirmation, replace or nudge the open claim's span, move between
// claims and sentences, and the keyboard help overlay. Every shortcut has a button; no single
// key acts while the focus is in a form, a form control, editable text or the help dialog.
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
    undo: null, // {kind: "mark" | "delete", target: claim or event id, until: ms}
  };
  const status = document.getElementById("mark-status");
  const panelUrl = root.dataset.panelUrl;

  const undoSeconds = Number(root.dataset.undoSeconds || 60);
  const canAnnotate = root.dataset.canAnnotate !== undefined;
  let undoTimer = null;

  function enableScripted(scope) {
    for (const button of scope.querySelectorAll("[data-needs-js]")) button.disabled = false;
  }
  enableScripted(document);
  document.getElementById("undo-form")?.setAttribute("hidden", "");

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

  async function send(url, { method = "POST", json = null, form = null } = {}) {
    const headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
    let body = null;
    if (json) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    } else if (form) {
      body = new URLSearchParams(form);
    }
    const response = await fetch(url, { method, credentials: "same-origin", headers, body });
    const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, data };
  }

  function problem(what, result) {
    return `${what}: ${result.data.detail || `the server answered ${result.status}`}`;
  }

  /** Reload the article text and the claim panel from the server, without a page load. */
  async function refresh(claimId = null) {
    const url = claimId ? `${panelUrl}?claim=${claimId}` : panelUrl;
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of ["article-text", "claim-panel", "claim-count"]) {
      const fresh = page.getElementById(id);
      const here = document.getElementById(id);
      if (fresh && here) here.replaceChildren(...fresh.childNodes);
    }
    const fresh = page.getElementById("article-text");
    if (fresh?.dataset.selected) root.dataset.selected = fresh.dataset.selected;
    else delete root.dataset.selected;
    const tabs = page.querySelector(".pane-tabs");
    if (tabs) document.querySelector(".pane-tabs")?.replaceChildren(...tabs.childNodes);
    history.replaceState(null, "", claimId ? `${panelUrl}?claim=${claimId}` : panelUrl);
    state.segs = Array.from(root.querySelectorAll(".seg"));
    state.lastRange = null;
    enableScripted(document.getElementById("claim-panel"));
    syncReplaceButton();
    if (root.dataset.selected) focusClaim(root.dataset.selected, false);
  }

  function setCount(delta) {
    const count = document.getElementById("claims-count");
    const n = Number((count || document.getElementById("claim-count"))?.textContent.match(/\d+/)?.[0] || 0) + delta;
    if (count) count.textContent = String(n);
    const meta = document.getElementById("claim-count");
    if (meta) meta.textContent = `${n} claim${n === 1 ? "" : "s"}`;
    const empty = document.getElementById("no-claims");
    if (empty) empty.hidden = n > 0;
  }

  /** Add a new claim to the panel's list, in text order, as the server would list it. */
  function listClaim(id, start, quote) {
    const list = document.getElementById("claim-list");
    setCount(1);
    if (!list) return;
    const item = document.createElement("li");
    item.dataset.claim = String(id);
    item.dataset.start = String(start);
    const link = document.createElement("a");
    link.className = "claim-link";
    link.href = `?claim=${id}#claim-panel`;
    const badge = document.createElement("span");
    badge.className = "badge state-none";
    badge.textContent = "No verdict";
    const text = document.createElement("span");
    text.className = "claim-quote";
    const chars = Array.from(quote);
    text.textContent = `“${chars.length > 120 ? `${chars.slice(0, 119).join("")}…` : quote}”`;
    link.append(badge, " ", text);
    item.append(link);
    const after = Array.from(list.children).find((li) => Number(li.dataset.start) > start);
    list.insertBefore(item, after || null);
  }

  // --- Undo ----------------------------------------------------------------------------------

  const undoButton = document.getElementById("undo");

  function offerUndo(kind, target, at = Date.now()) {
    state.undo = { kind, target, until: at + undoSeconds * 1000 };
    if (undoButton) {
      undoButton.disabled = false;
      undoButton.dataset.undoKind = kind;
    }
    clearTimeout(undoTimer);
    undoTimer = setTimeout(expireUndo, Math.max(0, state.undo.until - Date.now()));
  }

  function expireUndo() {
    state.undo = null;
    if (undoButton) undoButton.disabled = true;
  }

  async function undo() {
    if (!state.undo || Date.now() > state.undo.until) {
      expireUndo();
      say("Nothing to undo (an undo lasts " + undoSeconds + " seconds after a mark or delete).");
      return;
    }
    if (state.busy) return;
    const { kind, target } = state.undo;
    state.busy = true;
    try {
      const result = await send(root.dataset.undoUrl, { form: { kind, target } });
      if (!result.ok) {
        say(problem("Could not undo", result), "error");
        return;
      }
      expireUndo();
      if (kind === "mark") {
        await refresh(null);
        say(`Undid the mark: claim #${target} is gone.`, "ok");
      } else {
        await refresh(result.data.claim);
        say(`Restored the deleted claim as claim #${result.data.claim}.`, "ok");
      }
    } finally {
      state.busy = false;
    }
  }

  undoButton?.addEventListener("click", () => undo());
  if (undoButton?.dataset.undoKind) {
    offerUndo(undoButton.dataset.undoKind, undoButton.dataset.undoTarget, Number(undoButton.dataset.undoAt) * 1000);
  }

  // --- Delete, replace and nudge the open claim ----------------------------------------------

  function openPanelClaim() {
    const panel = document.querySelector(".claim-panel");
    return panel ? { id: Number(panel.dataset.claim), start: Number(panel.dataset.start), end: Number(panel.dataset.end), editable: panel.dataset.editable !== undefined } : null;
  }

  const replaceButton = document.getElementById("replace-span");
  function syncReplaceButton() {
    const claim = openPanelClaim();
    if (!replaceButton) return;
    replaceButton.disabled = !(claim && claim.editable);
    replaceButton.querySelector(".target").textContent = claim ? ` of #${claim.id}` : "";
  }

  async function changeSpan(claim, span) {
    if (state.busy) return;
    if (!claim || !claim.editable) {
      say("Open a claim without a verdict in review first (click it, or j then Enter).", "error");
      return;
    }
    if (!span) {
      say("Select the new text for the claim in the article first.", "error");
      return;
    }
    const chars = articleChars();
    state.busy = true;
    try {
      const result = await send(`${root.dataset.claimApi}${claim.id}/`, {
        method: "PATCH",
        json: { start: span.start, end: span.end, quote: chars.slice(span.start, span.end).join("") },
      });
      if (!result.ok) {
        say(problem("Could not change the span", result), "error");
        return;
      }
      window.getSelection().removeAllRanges();
      await refresh(claim.id);
      say(`Claim #${claim.id} now covers characters ${result.data.start}–${result.data.end}.`, "ok");
    } finally {
      state.busy = false;
    }
  }

  function replaceSpan() {
    const range = currentRange();
    return changeSpan(openPanelClaim(), range ? spanOf(range) : null);
  }

  let words = null; // word starts and ends in code points, from Intl.Segmenter (CJK included)
  function wordBounds() {
    if (words) return words;
    const segmenter = new Intl.Segmenter(document.documentElement.lang || undefined, { granularity: "word" });
    const starts = [];
    const ends = [];
    let at = 0;
    for (const part of segmenter.segment(root.textContent)) {
      const length = codePointLength(part.segment);
      if (part.isWordLike) {
        starts.push(at);
        ends.push(at + length);
      }
      at += length;
    }
    words = { starts, ends };
    return words;
  }

  function nudge(edge, step) {
    const claim = openPanelClaim();
    if (!claim) return changeSpan(null, null);
    const list = wordBounds()[edge === "start" ? "starts" : "ends"];
    const current = claim[edge];
    let target = null;
    if (step > 0) target = list.find((point) => point > current);
    else target = list.findLast((point) => point < current);
    const span = { start: claim.start, end: claim.end };
    if (target !== undefined && target !== null) span[edge] = target;
    if (span.start >= span.end || target === undefined || target === null) {
      say("The span cannot move further that way.", "error");
      return null;
    }
    return changeSpan(claim, span);
  }

  async function deleteClaim(form) {
    if (state.busy) return;
    const claim = openPanelClaim();
    state.busy = true;
    try {
      const result = await send(form.action, { form: new FormData(form) });
      if (!result.ok) {
        say(problem("Could not delete the claim", result), "error");
        return;
      }
      await refresh(null);
      offerUndo("delete", result.data.event);
      say(`Deleted claim #${claim.id}. Undo with u or the Undo button for ${undoSeconds} seconds.`, "ok");
      undoButton?.focus();
    } finally {
      state.busy = false;
    }
  }

  // The panel is replaced after each change, so its controls are handled by delegation.
  const panelRoot = document.getElementById("claim-panel");
  panelRoot.addEventListener("click", (event) => {
    const nudgeButton = event.target.closest("[data-nudge]");
    if (nudgeButton) {
      nudge(nudgeButton.dataset.nudge, Number(nudgeButton.dataset.step));
      return;
    }
    if (event.target.closest("#cancel-delete")) {
      const details = event.target.closest("details");
      details.open = false;
      details.querySelector("summary").focus();
      return;
    }
    if (event.target.closest("#go-verdict")) {
      event.preventDefault();
      focusVerdict();
    }
  });
  panelRoot.addEventListener("submit", (event) => {
    if (event.target.id === "delete-form") {
      event.preventDefault();
      deleteClaim(event.target);
    }
  });
  panelRoot.addEventListener("toggle", (event) => {
    // Opening the confirmation puts the focus on the safe choice; Escape closes it.
    if (event.target.classList?.contains("confirm-delete") && event.target.open) {
      event.target.querySelector("#cancel-delete")?.focus();
    }
  }, true);
  panelRoot.addEventListener("keydown", (event) => {
    const details = event.target.closest?.(".confirm-delete");
    if (details && details.open && event.key === "Escape") {
      event.preventDefault();
      details.open = false;
      details.querySelector("summary").focus();
    }
  });

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
      listClaim(data.id, data.start, data.quote);
      offerUndo("mark", data.id);
      announceMarked(data.id);
    } catch (error) {
      say(`Could not mark the claim: ${error.message}`, "error");
    } finally {
      state.busy = false;
    }
  }

  function announceMarked(id) {
    status.className = "toolbar-status is-ok";
    status.textContent = `Marked claim #${id} (u undoes it). `;
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

  function focusClaim(id, scroll = true) {
    for (const seg of root.querySelectorAll(".claim.is-current")) seg.classList.remove("is-current");
    const anchor = document.getElementById(`claim-${id}`);
    const segs = anchor ? claimSegs(anchor) : [];
    for (const seg of segs.length ? segs : root.querySelectorAll(`.seg[data-claims~="${id}"]`)) {
      seg.classList.add("is-current");
    }
    state.claim = Number(id);
    if (anchor && scroll) anchor.nextElementSibling?.scrollIntoView({ block: "center" });
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
  for (const button of [markButton, markSentenceButton, replaceButton]) {
    if (button) button.addEventListener("mousedown", keepSelection);
  }
  replaceButton?.addEventListener("click", () => replaceSpan());
  document.getElementById("next-sentence")?.addEventListener("click", () => moveSentence(1));
  document.getElementById("prev-sentence")?.addEventListener("click", () => moveSentence(-1));
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

  /** Put the focus on the verdict form's rating (the chosen one, else the first), never on a
   * hidden input; without a verdict form, say why and leave the focus where it was. */
  function focusVerdict() {
    const form = document.getElementById("verdict-form");
    const field = form
      ? form.querySelector("input[name=verdict-rating]:checked") || form.querySelector("input[name=verdict-rating]")
      : null;
    if (!field) {
      say(openPanelClaim() ? "This claim has no verdict form you can edit." : "Open a claim first (j then Enter, or click it).", "error");
      return;
    }
    field.focus();
    field.scrollIntoView({ block: "center" });
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
    // Typing anywhere a user types (fields, any form, editable text, an IME composition) never
    // triggers a single-key shortcut.
    const typing =
      event.isComposing ||
      target.isContentEditable ||
      ["INPUT", "TEXTAREA", "SELECT", "OPTION"].includes(target.tagName) ||
      Boolean(target.closest?.("form, [contenteditable], dialog, [role=dialog], details.confirm-delete[open]"));
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
    if (typing || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
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
      case "v":
        event.preventDefault();
        focusVerdict();
        break;
      case "n":
        // The next unfinished article assigned to you (the toolbar's "Next article").
        if (canAnnotate) {
          event.preventDefault();
          window.location.assign(root.dataset.nextUrl);
        }
        break;
      case "u":
        if (canAnnotate) {
          event.preventDefault();
          undo();
        }
        break;
      case "r":
        if (canAnnotate) {
          event.preventDefault();
          replaceSpan();
        }
        break;
      case "[":
      case "]":
      case "{":
      case "}":
        if (canAnnotate) {
          event.preventDefault();
          nudge("[]".includes(event.key) ? "start" : "end", "[{".includes(event.key) ? -1 : 1);
        }
        break;
      case "Enter":
        if (state.claim && (target === root || target === document.body)) {
          event.preventDefault();
          openClaim(state.claim);
        }
        break;
      default:
    }
  });

  syncReplaceButton();
  if (root.dataset.selected) focusClaim(root.dataset.selected);
  // benchmarks/annotate_page.py reads this: the page answers keys and clicks from here on.
  performance.mark("annotate-ready");
}
