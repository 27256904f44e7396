// Members and invitations: the tenant's people, their roles, and the invitations still open.

import {
  h, clear, route, navigate, api, form, list, pageHeader, message, confirmButton, session, when, toast, useSession,
  cookieSession, errorText, signOut,
} from '../../lib.js';
import { roleOptions, roleBadge, getTagged, ifMatch, changedText, dl, section, refused } from './common.js';

route('/members', ({ main }) => {
  if (refused(main, 'Members', 'admin', 'admins and owners')) return;
  const members = list({
    path: '/api/v1/members',
    caption: 'Members',
    empty: 'No members.',
    columns: [
      { label: 'Name', cell: (m) => h('a', { href: `/members/${encodeURIComponent(m.id)}`, class: 'member-name' }, m.name || m.email) },
      { label: 'E-mail', cell: (m) => m.email },
      { label: 'Role', cell: (m) => roleBadge(m.role) },
      { label: 'Member since', cell: (m) => when(m.created_at) },
    ],
  });
  clear(main, pageHeader('Members', h('a', { href: '/invitations', class: 'button primary' }, 'Invite someone')),
    h('p', { class: 'muted' }, 'Open a member to change their role, remove them or hand over ownership.'), members);
});

route('/members/:id', async ({ main, params }) => {
  const path = `/api/v1/members/${encodeURIComponent(params.id)}`;
  let { data: m, etag } = await getTagged(path);
  const self = m.user_id === session.me?.user?.id;
  const status = h('div', { role: 'status' });
  const show = (text, kind = 'success') => clear(status, message(kind, text));

  const roleForm = form([{ name: 'role', label: 'Role', type: 'select', value: m.role, options: roleOptions() }], async (v, f) => {
    try {
      const res = await api('PATCH', path, { role: v.role }, { headers: ifMatch(etag), raw: true });
      etag = res.headers.get('ETag') || '';
      m = await res.json();
      clear(roleNow, roleBadge(m.role));
      show(`${m.name || m.email} is now ${m.role}.`);
      if (self) await refreshSelf();
    } catch (err) {
      if (err?.status === 412) { show(changedText(err), 'error'); return; }
      throw err;
    }
    f.querySelector('select').value = m.role;
  }, { submit: 'Change role', label: 'Change role' });
  const ownerRow = m.role === 'owner' && session.role !== 'owner';
  if (ownerRow) roleForm.querySelectorAll('select, button').forEach((e) => { e.disabled = true; });

  const remove = confirmButton(self ? 'Leave this tenant' : 'Remove from the tenant', async () => {
    try {
      await api('DELETE', path, undefined, { headers: ifMatch(etag) });
    } catch (err) {
      show(changedText(err), 'error');
      return;
    }
    if (self) { // this tenant's session is over: sign in again (to another tenant)
      await signOut();
      navigate('/sign-in');
      return;
    }
    toast(`${m.name || m.email} was removed.`);
    navigate('/members');
  }, { confirm: 'Click again to remove' });

  const transfer = session.role === 'owner' && m.role !== 'owner' && !self ? confirmButton('Make owner (you become admin)', async () => {
    try {
      m = await api('POST', `${path}/transfer-ownership`);
    } catch (err) {
      show(errorText(err), 'error');
      return;
    }
    await refreshSelf();
    toast(`${m.name || m.email} is now the owner; you are an admin.`);
    navigate(`/members/${encodeURIComponent(m.id)}`, { replace: true });
  }, { class: 'transfer', confirm: 'Click again to hand over ownership' }) : null;

  const roleNow = h('span', {}, roleBadge(m.role));
  clear(main, pageHeader(m.name || m.email), h('p', {}, h('a', { href: '/members' }, '← All members')), status,
    dl([['Name', m.name], ['E-mail', m.email], ['Role', roleNow], ['Member since', when(m.created_at)]]),
    section('Role', ownerRow ? h('p', { class: 'muted' }, 'Only an owner can change an owner\'s role.') : null, roleForm),
    transfer && section('Ownership', h('p', {}, 'Hand the tenant over: this member becomes an owner and you become an admin.'), transfer),
    section(self ? 'Leave' : 'Remove', h('p', { class: 'muted' }, self ? 'You lose access to this tenant.'
      : 'They lose access to this tenant at once; the API keys they created stop working.'), remove));
});

// refreshSelf renews the session after the caller's own role changed (the access token carries it).
async function refreshSelf() {
  try {
    await useSession(await api('POST', '/api/v1/auth/switch-tenant', { tenant_id: session.tenant?.id }, { headers: cookieSession }));
  } catch {
    // the page still works; the next renewal picks up the role
  }
}

route('/invitations', ({ main }) => {
  if (refused(main, 'Invitations', 'admin', 'admins and owners')) return;
  const invitations = list({
    path: '/api/v1/invitations',
    caption: 'Invitations',
    empty: 'No invitations yet.',
    columns: [
      { label: 'E-mail', cell: (i) => h('span', { class: 'invitation-email' }, i.email) },
      { label: 'Role', cell: (i) => roleBadge(i.role) },
      { label: 'State', cell: invitationState },
      { label: 'Sent', cell: (i) => when(i.created_at) },
      { label: 'Expires', cell: (i) => when(i.expires_at) },
      {
        label: 'Actions',
        cell: (i) => (invitationOpen(i) ? confirmButton('Revoke', async () => {
          await api('DELETE', `/api/v1/invitations/${encodeURIComponent(i.id)}`);
          toast(`The invitation to ${i.email} was revoked.`);
          invitations.reload();
        }, { confirm: `Click again to revoke ${i.email}` }) : ''),
      },
    ],
  });
  const done = h('div', { role: 'status' });
  const invite = form([
    { name: 'email', label: 'E-mail', type: 'email', required: true, autocomplete: 'off' },
    { name: 'role', label: 'Role', type: 'select', value: 'operator', options: roleOptions() },
  ], async (v, f) => {
    const inv = await api('POST', '/api/v1/invitations', v);
    f.reset();
    f.querySelector('select').value = 'operator';
    clear(done, message('success', `Invitation sent to ${inv.email} as ${inv.role}.`));
    invitations.reload();
  }, { submit: 'Send invitation', label: 'Invite someone', class: 'admin-form' });
  clear(main, pageHeader('Invitations'),
    section('Invite someone', h('p', { class: 'muted' }, 'They get an e-mail with a link to join this tenant.'), done, invite),
    section('Sent invitations', invitations));
});

function invitationOpen(i) {
  return !i.accepted_at && !i.revoked_at && Date.parse(i.expires_at) > Date.now();
}

function invitationState(i) {
  if (i.accepted_at) return h('span', { class: 'badge badge-ok' }, 'accepted');
  if (i.revoked_at) return h('span', { class: 'badge' }, 'revoked');
  if (Date.parse(i.expires_at) <= Date.now()) return h('span', { class: 'badge badge-warn' }, 'expired');
  return h('span', { class: 'badge badge-info' }, 'open');
}
