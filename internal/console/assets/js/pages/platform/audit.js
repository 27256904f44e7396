// The audit log: the tenant's recorded actions, newest first, with the filters the API takes (in
// the page's URL, so a filtered view can be reloaded and shared with another admin).

import { h, clear, route, navigate, list, pageHeader, form, download, when, toast, errorText } from '../../lib.js';
import { readAll, section, refused } from './common.js';

// filters are GET /api/v1/audit-log's filter parameters.
const filters = ['action', 'actor', 'target_type', 'target_id', 'request_id', 'since', 'until'];

// localInput turns an RFC 3339 time into a datetime-local value in the user's zone.
function localInput(iso) {
  const d = new Date(iso || '');
  if (Number.isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// details shows an event's details object as "key: value" lines (text only).
function details(d) {
  if (d == null || typeof d !== 'object' || Object.keys(d).length === 0) return '';
  return h('ul', { class: 'audit-details' }, Object.entries(d).map(([k, v]) => h('li', {},
    h('span', { class: 'muted' }, `${k}: `), typeof v === 'string' ? v : JSON.stringify(v))));
}

// link is the same view narrowed to one more filter value.
function narrowed(query, key, value) {
  const q = new URLSearchParams(query);
  q.set(key, value);
  return `/audit-log?${q}`;
}

route('/audit-log', async ({ main, query }) => {
  if (refused(main, 'Audit log', 'admin', 'admins and owners')) return;
  const current = new URLSearchParams();
  for (const k of filters) if (query.get(k)) current.set(k, query.get(k));
  const members = await readAll('/api/v1/members').catch(() => []);
  const names = new Map(members.map((m) => [m.user_id, m.name || m.email]));
  const actorOptions = [{ value: '', label: 'Anyone' }, ...members.map((m) => ({ value: m.user_id, label: m.name || m.email }))];
  const actor = current.get('actor');
  if (actor && !names.has(actor)) actorOptions.push({ value: actor, label: actor });

  const filterForm = form([
    { name: 'action', label: 'Action', value: current.get('action') || '', placeholder: 'e.g. member.update', maxlength: 100 },
    { name: 'actor', label: 'Actor', type: 'select', value: actor || '', options: actorOptions },
    { name: 'target_type', label: 'Target type', value: current.get('target_type') || '', placeholder: 'e.g. team', maxlength: 100 },
    { name: 'target_id', label: 'Target id', value: current.get('target_id') || '', maxlength: 100 },
    { name: 'request_id', label: 'Request id', value: current.get('request_id') || '', maxlength: 64 },
    { name: 'since', label: 'From', type: 'datetime-local', value: localInput(current.get('since')) },
    { name: 'until', label: 'Until', type: 'datetime-local', value: localInput(current.get('until')) },
  ], async (v) => {
    const q = new URLSearchParams();
    for (const k of filters) {
      const val = (v[k] || '').trim();
      if (!val) continue;
      q.set(k, k === 'since' || k === 'until' ? new Date(val).toISOString() : val);
    }
    navigate(`/audit-log${q.size ? `?${q}` : ''}`);
  }, {
    submit: 'Apply filters', label: 'Filter the audit log', class: 'filter-form',
    actions: current.size ? h('a', { href: '/audit-log', class: 'button' }, 'Clear filters') : null,
  });

  const events = list({
    path: `/api/v1/audit-log${current.size ? `?${current}` : ''}`,
    caption: current.size ? 'Events matching the filters' : 'Events',
    empty: current.size ? 'No events match these filters.' : 'No events recorded yet.',
    columns: [
      { label: 'When', cell: (e) => h('time', { datetime: e.occurred_at }, when(e.occurred_at)) },
      { label: 'Action', cell: (e) => h('a', { href: narrowed(current, 'action', e.action), title: 'Only this action' }, h('code', {}, e.action)) },
      {
        label: 'Actor',
        cell: (e) => [h('a', { href: narrowed(current, 'actor', e.actor_id), title: 'Only this actor' },
          names.get(e.actor_id) || e.actor_id || e.principal_kind), ' ', h('span', { class: 'badge' }, e.principal_kind.replace('_', ' '))],
      },
      {
        label: 'Target',
        cell: (e) => (e.target_type ? [h('a', { href: narrowed(current, 'target_type', e.target_type) }, e.target_type), ' ',
          e.target_id ? h('a', { href: narrowed(current, 'target_id', e.target_id), class: 'mono' }, e.target_id) : null] : ''),
      },
      { label: 'Outcome', cell: (e) => h('span', { class: ['badge', e.outcome === 'success' ? 'badge-ok' : 'badge-bad'] }, e.outcome) },
      { label: 'Details', cell: (e) => details(e.details) },
    ],
  });

  const exportButton = h('button', {
    type: 'button',
    onclick: async () => {
      const q = new URLSearchParams(current);
      q.set('format', 'csv');
      try {
        await download(`/api/v1/audit-log/export?${q}`, 'audit-log.csv');
      } catch (err) {
        toast(errorText(err));
      }
    },
  }, 'Export CSV');
  clear(main, pageHeader('Audit log', exportButton), section('Filters', filterForm), section('Events', events));
});
