// Safe DOM building: every string becomes a text node or an attribute value, never HTML.
// h('a', { href, class: 'x' }, 'text', child) — functions in attrs become event listeners.
/* global document, Node */

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'class') el.className = String(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/** Appends strings (as text), numbers, nodes and nested arrays; skips null/undefined/false. */
export function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const byId = (id) => document.getElementById(id);

/** A class name from data (severity, outcome): letters, digits, _ and - only. */
export const cls = (s) => String(s ?? '').toLowerCase().replace(/[^a-z0-9_-]/g, '');

/** Text with line-break chances after '@', '.' and '/' (for long addresses), as text nodes and <wbr>. */
export function breakable(s) {
  const parts = String(s).split(/(?<=[@./])/);
  return parts.flatMap((p, i) => (i === 0 ? [p] : [document.createElement('wbr'), p]));
}
