// Pure parsing of pasted lists: one idea per line, list markers dropped, blanks skipped.
// The server's import-text and `herd organize FILE` follow the same rules.

// "- ", "* ", "+ ", "• " (and similar bullets), "1." / "1)" numbering, "[ ]" / "[x]"
// checkboxes from Markdown task lists. The bullet characters may be followed by no space.
const MARKER = /^\s*(?:(?:[-*+]\s+)|(?:[•◦▪▫‣⁃·●○■□–—]\s*)|(?:\(?\d{1,3}[.)]\s+))?(?:\[[ xX]\]\s+)?/;

/**
 * Split pasted text into note texts: one per non-blank line, leading list markers removed,
 * surrounding whitespace trimmed.
 * @param {string} text
 * @returns {string[]}
 */
export function parseList(text) {
  const out = [];
  for (const raw of String(text ?? '').split(/\r\n|\r|\n/)) {
    const line = stripMarker(raw).trim();
    if (line) out.push(line);
  }
  return out;
}

/** One line without its leading list marker. */
export function stripMarker(line) {
  const m = MARKER.exec(line);
  const rest = m ? line.slice(m[0].length) : line;
  // A line that was only a marker ("-", "1.") is blank, not a note reading "-".
  if (/^\s*(?:[-*+•]|\d+[.)])\s*$/.test(line)) return '';
  return rest;
}

/** True when pasted text should become several notes rather than one. */
export function isList(text) {
  return parseList(text).length > 1;
}
