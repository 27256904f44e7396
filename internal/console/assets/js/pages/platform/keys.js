// API keys: created by an owner with a name, scopes from the catalogue, a role ceiling and an
// optional expiry; the secret is shown once, right after creation, and never again.

import {
  h, clear, route, navigate, api, form, list, pageHeader, confirmButton, copyButton, session, when, toast,
} from '../../lib.js';
import { roles, roleBadge, dl, section, refused } from './common.js';

// scopes is the API's scope catalogue (tenancy.ScopeCatalogue, the enum of POST /api/v1/api-keys'
// scopes; TestPlatformScopesMatchTheAPI keeps the two equal): name, minimum role, in the default
// set, what it allows.
export const scopes = [
  ['tenant:read', 'viewer', true, 'read the tenant\'s profile'],
  ['sites:read', 'viewer', true, 'read sites'],
  ['sites:write', 'admin', false, 'create, change and delete sites'],
  ['spaces:read', 'viewer', true, 'read spaces, their state and availability'],
  ['spaces:write', 'admin', false, 'create, change and delete spaces'],
  ['spaces:override', 'operator', false, 'put a space under maintenance or block it, and lift it'],
  ['devices:read', 'viewer', true, 'read devices and the orphan inbox'],
  ['devices:write', 'admin', false, 'register, assign and retire devices'],
  ['displays:read', 'viewer', true, 'read displays and their downlinks'],
  ['displays:write', 'admin', false, 'register and change displays, retry their downlinks'],
  ['reservations:read', 'viewer', true, 'read reservations'],
  ['reservations:write', 'operator', false, 'create, cancel and check in reservations'],
  ['telemetry:read', 'viewer', true, 'read sensor readings, state history and utilisation'],
  ['webhook:ingest', 'operator', false, 'post sensor events (ChirpStack integration)'],
  ['teams:read', 'viewer', true, 'read teams and their members'],
  ['teams:write', 'admin', false, 'create, rename and delete teams, and change their members'],
  ['members:read', 'admin', false, 'read members and invitations'],
  ['audit:read', 'admin', false, 'read the audit log'],
  ['webhooks:read', 'admin', false, 'read webhook endpoints and their delivery log'],
  ['webhooks:write', 'admin', false, 'register, change and delete webhook endpoints, rotate their secrets, ping and replay deliveries'],
  ['api-keys:manage', 'owner', false, 'list and revoke API keys (never create them)'],
];

// keyState is a key's state: revoked, expired or active.
function keyState(k) {
  if (k.revoked_at) return h('span', { class: 'badge badge-bad' }, 'revoked');
  if (k.expires_at && Date.parse(k.expires_at) <= Date.now()) return h('span', { class: 'badge badge-warn' }, 'expired');
  return h('span', { class: 'badge badge-ok' }, 'active');
}

function scopeList(k) {
  return h('ul', { class: 'scope-list' }, (k.scopes || []).map((s) => h('li', {}, h('code', {}, s))));
}

route('/api-keys', ({ main }) => {
  if (refused(main, 'API keys', 'owner', 'owners')) return;
  const keys = list({
    path: '/api/v1/api-keys',
    caption: 'API keys',
    empty: 'No API keys yet.',
    columns: [
      { label: 'Name', cell: (k) => h('a', { href: `/api-keys/${encodeURIComponent(k.id)}`, class: 'key-name' }, k.name) },
      { label: 'State', cell: keyState },
      { label: 'Role', cell: (k) => roleBadge(k.role) },
      { label: 'Scopes', cell: scopeList },
      { label: 'Expires', cell: (k) => (k.expires_at ? when(k.expires_at) : 'never') },
      { label: 'Last used', cell: (k) => (k.last_used_at ? when(k.last_used_at) : 'never') },
      {
        label: 'Actions',
        cell: (k) => (k.revoked_at ? '' : confirmButton('Revoke', async () => {
          await api('DELETE', `/api/v1/api-keys/${encodeURIComponent(k.id)}`);
          toast(`The key ${k.name} was revoked.`);
          keys.reload();
        }, { confirm: `Click again to revoke ${k.name}` })),
      },
    ],
  });
  const secretBox = h('div', { class: 'secret-box' });
  const create = createForm((k) => {
    showSecret(secretBox, k);
    keys.reload();
  });
  clear(main, pageHeader('API keys'),
    h('p', { class: 'muted' }, 'Integrations send a key in the X-API-Key header. A key acts with its scopes only, and never above your role.'),
    secretBox, section('New API key', create), section('All keys', keys));
});

// createForm is the new-key form; created(answer) gets the answer with the secret.
function createForm(created) {
  const mine = roles.indexOf(session.role);
  const ceiling = roles.filter((_, i) => i >= mine);
  const boxes = h('fieldset', { class: 'scopes', dataset: { field: 'scopes' } }, h('legend', {}, 'Scopes'),
    h('p', { class: 'help' }, 'What the key may do. The read scopes are chosen for you; add only what the integration needs.'),
    h('div', { class: 'scope-grid' }, scopes.map(([name, min, def, doc]) => {
      const inputId = `scope-${name.replace(/[^a-z]/g, '-')}`;
      return h('div', { class: 'field-check scope' },
        h('input', { type: 'checkbox', id: inputId, class: 'scope-box', value: name, checked: def, 'aria-describedby': `${inputId}-doc` }),
        h('label', { for: inputId }, h('code', {}, name)),
        h('p', { class: 'help', id: `${inputId}-doc` }, `${doc} (${min} or higher)`));
    })));
  return form([
    { name: 'name', label: 'Name', required: true, maxlength: 100, help: 'What uses the key, e.g. "Barrier controller".' },
    { name: 'role', label: 'Role ceiling', type: 'select', value: '', options: [{ value: '', label: `Your role (${session.role})` }, ...ceiling.map((r) => ({ value: r, label: r }))],
      help: 'The key never acts above this role nor above your own current role.' },
    { name: 'expires_at', label: 'Expires', type: 'date', help: 'Optional: the key stops working at the start of this day (your time).' },
    boxes,
  ], async (v, f) => {
    const body = { name: v.name, scopes: [...f.querySelectorAll('.scope-box:checked')].map((c) => c.value) };
    if (v.role) body.role = v.role;
    if (v.expires_at) body.expires_at = new Date(`${v.expires_at}T00:00`).toISOString();
    const k = await api('POST', '/api/v1/api-keys', body);
    f.reset();
    f.querySelectorAll('.scope-box').forEach((c) => { c.checked = scopes.find((s) => s[0] === c.value)[2]; });
    created(k);
  }, { submit: 'Create key', label: 'New API key', class: 'key-form' });
}

// showSecret shows a new key's secret once: it is in this page only, never stored.
function showSecret(box, k) {
  const code = h('code', { class: 'secret', id: 'new-key-secret' }, k.key);
  clear(box, h('div', { class: 'notice notice-success secret-notice', role: 'status' },
    h('h2', {}, `Key "${k.name}" created`),
    h('p', {}, h('strong', {}, 'Copy the key now: you will not see it again.'), ' Only a hash of it is kept; if you lose it, revoke it and create another.'),
    code,
    h('div', { class: 'actions' }, copyButton(k.key, 'Copy the key'),
      h('button', { type: 'button', onclick: () => clear(box) }, 'Done, I saved it'))));
  box.querySelector('button')?.focus();
}

route('/api-keys/:id', async ({ main, params }) => {
  const path = `/api/v1/api-keys/${encodeURIComponent(params.id)}`;
  const k = await api('GET', path);
  const revoke = k.revoked_at ? null : confirmButton('Revoke the key', async () => {
    await api('DELETE', path);
    toast(`The key ${k.name} was revoked.`);
    navigate('/api-keys');
  }, { confirm: 'Click again to revoke: it stops working at once' });
  clear(main, pageHeader(k.name), h('p', {}, h('a', { href: '/api-keys' }, '← All API keys')),
    dl([['State', keyState(k)], ['Role ceiling', roleBadge(k.role)], ['Scopes', scopeList(k)], ['Created', when(k.created_at)],
      ['Expires', k.expires_at ? when(k.expires_at) : 'never'], ['Revoked', k.revoked_at ? when(k.revoked_at) : null],
      ['Last used', k.last_used_at ? when(k.last_used_at) : 'never']]),
    h('p', { class: 'muted' }, 'The secret was shown once, when the key was created; it cannot be shown again.'),
    revoke && section('Revoke', revoke));
});
