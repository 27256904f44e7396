// Pieces the administration pages share: roles, lists read whole, ETag-guarded changes and small
// table helpers.

import { h, clear, api, session, atLeast, pageHeader, message, ApiError, errorText } from '../../lib.js';

// roles are the member roles, highest first.
export const roles = ['owner', 'admin', 'operator', 'viewer'];

// grantable are the roles the current member may give: only an owner grants owner.
export function grantable() {
  return session.role === 'owner' ? roles : roles.slice(1);
}

// roleOptions are select options for roles.
export function roleOptions(list = grantable()) {
  return list.map((r) => ({ value: r, label: r }));
}

// roleBadge shows a role.
export function roleBadge(role) {
  return h('span', { class: ['badge', `role-${role}`] }, role);
}

// readAll reads every page of a list (up to max items).
export async function readAll(path, max = 1000) {
  const out = [];
  let cursor = '';
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...(page.items || []));
    cursor = page.next_cursor || '';
  } while (cursor && out.length < max);
  return out;
}

// getTagged reads one object and the ETag that guards changes to it.
export async function getTagged(path) {
  const res = await api('GET', path, undefined, { raw: true });
  return { data: await res.json(), etag: res.headers.get('ETag') || '' };
}

// ifMatch are the headers of a change made only while the object is as it was read.
export function ifMatch(etag) {
  return etag ? { 'If-Match': etag } : {};
}

// changedText explains a refused change: someone changed the object since the page read it.
export function changedText(err) {
  if (err instanceof ApiError && err.status === 412) {
    return 'Someone changed this meanwhile. Reload the page to see the current state, then try again.';
  }
  return errorText(err);
}

// dl is a definition list of [term, value] pairs; empty values are left out.
export function dl(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, v]) => v != null && v !== '').map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

// section is a titled part of a page.
export function section(title, ...children) {
  return h('section', { class: 'admin-section', 'aria-label': title }, h('h2', {}, title), children);
}

// refused fills main with a page's title and why the member cannot use it, and reports true, when
// the current role is below role (the server would refuse the page's reads anyway).
export function refused(main, title, role, what) {
  if (atLeast(role)) return false;
  clear(main, pageHeader(title), message('info', `Only ${what} of this tenant can use this page.`));
  return true;
}
