// Pieces the parking pages share: the derived states and their badges, reading every page of a
// list, the tenant's spaces as choices, time fields and the not-found page.

import { h, clear, api, pageHeader, message } from '../../lib.js';

// states are the derived availability states (the API's Space.state), in the board's order, with
// the words shown beside every colour (colour is never the only cue).
export const states = [
  { state: 'FREE', label: 'Free', help: 'no car, no reservation now' },
  { state: 'OCCUPIED', label: 'Occupied', help: 'the sensor reports a car' },
  { state: 'RESERVED', label: 'Reserved', help: 'a reservation holds it now' },
  { state: 'MAINTENANCE', label: 'Maintenance', help: 'maintenance or blocked by an override' },
];

// stateLabel is the word for a derived state; an unknown one is shown as the API sent it.
export function stateLabel(state) {
  return states.find((s) => s.state === state)?.label || String(state || 'Unknown');
}

// stateClass is the CSS class suffix of a state (unknown states share one look).
export function stateClass(state) {
  return states.some((s) => s.state === state) ? String(state).toLowerCase() : 'unknown';
}

// stateBadge is a state as a coloured badge with its word.
export function stateBadge(state) {
  return h('span', { class: ['state', `state-${stateClass(state)}`] }, stateLabel(state));
}

// occupancyText says what the sensor last reported.
export function occupancyText(occupancy) {
  if (occupancy === 'occupied') return 'Sensor: occupied';
  if (occupancy === 'vacant') return 'Sensor: vacant';
  return 'Sensor: no report';
}

// allItems reads every page of a list path (at most max pages of 100).
export async function allItems(path, { signal, max = 20 } = {}) {
  const out = [];
  let cursor = '';
  const sep = path.includes('?') ? '&' : '?';
  for (let i = 0; i < max; i += 1) {
    const page = await api('GET', `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, undefined, { signal });
    out.push(...(page.items || []));
    cursor = page.next_cursor || '';
    if (!cursor) break;
  }
  return out;
}

// spaceName is how a space is named in lists and choices: site, code and name.
export function spaceName(s) {
  if (!s) return '';
  return `${s.site_name} · ${s.code}${s.name ? ` (${s.name})` : ''}`;
}

// spaceChoices are the tenant's spaces as select options, optionally after a first empty choice.
export function spaceChoices(spaces, empty) {
  const opts = spaces.map((s) => ({ value: s.id, label: spaceName(s) }));
  return empty ? [{ value: '', label: empty }, ...opts] : opts;
}

// spaceLink links a space by id, named from the map when known.
export function spaceLink(spacesById, id) {
  if (!id) return h('span', { class: 'muted' }, 'none');
  const s = spacesById.get(id);
  return h('a', { href: `/parking/spaces/${encodeURIComponent(id)}` }, s ? spaceName(s) : 'a space');
}

// isoOf turns a datetime-local value (the user's zone) into RFC 3339; empty stays empty.
export function isoOf(local) {
  if (!local) return local;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? local : d.toISOString();
}

// localOf is a time as a datetime-local value in the user's zone (minutes).
export function localOf(date) {
  const d = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

// notFound is the page for an id this tenant has no object of (another tenant's ids answer the
// same 404 as random ones, so the page says no more).
export function notFound(main, what) {
  clear(main, pageHeader('Not found'),
    message('error', `There is no such ${what} in this tenant. It may have been deleted, or the link is wrong.`),
    h('p', {}, h('a', { href: '/parking/sites' }, 'Back to the sites')));
}

// is404 reports whether err is the API's not-found answer.
export function is404(err) {
  return err?.status === 404;
}

// sleep waits ms, or until signal aborts.
export function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) { resolve(); return; }
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

// section is a titled part of a page.
export function section(title, ...children) {
  return h('section', { class: 'pk-section', 'aria-label': title }, h('h2', {}, title), children);
}

// disclose is a form behind a summary the user opens (keyboard-usable: details/summary).
export function disclose(summary, ...children) {
  return h('details', { class: 'pk-disclose' }, h('summary', {}, summary), h('div', { class: 'pk-disclose-body' }, children));
}
