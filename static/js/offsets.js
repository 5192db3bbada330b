// UTF-16 <-> code point conversion for the browser side of annotation.
// The server stores offsets in Unicode code points (Python str indices); DOM selections count
// UTF-16 code units, so an emoji or another astral character counts 2 here and 1 there.

const TRAIL = /[\uDC00-\uDFFF]/g;

/** Return the number of code points in `text` (a well-formed UTF-16 string). */
export function codePointLength(text) {
  const trails = text.match(TRAIL);
  return text.length - (trails ? trails.length : 0);
}

/** Return the code point offset of UTF-16 offset `unit` in `text`. */
export function toCodePoint(text, unit) {
  return codePointLength(text.slice(0, unit));
}

/** Return the UTF-16 offset of code point offset `point` in `text`. */
export function toUtf16(text, point) {
  let unit = 0;
  for (let seen = 0; seen < point && unit < text.length; seen += 1) {
    const code = text.charCodeAt(unit);
    unit += code >= 0xd800 && code <= 0xdbff && unit + 1 < text.length ? 2 : 1;
  }
  return unit;
}
