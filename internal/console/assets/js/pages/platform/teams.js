// Teams: groups of members that flows and library steps are shared with.

import {
  h, clear, route, navigate, api, form, list, pageHeader, message, confirmButton, atLeast, when, toast,
} from '../../lib.js';
import { readAll, getTagged, ifMatch, changedText, dl, section } from './common.js';

route('/teams', ({ main }) => {
  const admin = atLeast('admin');
  const teams = list({
    path: '/api/v1/teams',
    caption: 'Teams',
    empty: admin ? 'No teams yet: create the first one above.' : 'No teams yet.',
    columns: [
      { label: 'Name', cell: (t) => h('a', { href: `/teams/${encodeURIComponent(t.id)}`, class: 'team-name' }, t.name) },
      { label: 'Members', cell: (t) => String(t.member_count) },
      { label: 'Created', cell: (t) => when(t.created_at) },
    ],
  });
  const create = admin ? form([{ name: 'name', label: 'Team name', required: true, maxlength: 100 }], async (v, f) => {
    const t = await api('POST', '/api/v1/teams', v);
    f.reset();
    toast(`Team ${t.name} created.`);
    teams.reload();
  }, { submit: 'Create team', label: 'New team', class: 'admin-form' }) : null;
  clear(main, pageHeader('Teams'), create && section('New team', create), section('All teams', teams));
});

route('/teams/:id', async ({ main, params }) => {
  const admin = atLeast('admin');
  const path = `/api/v1/teams/${encodeURIComponent(params.id)}`;
  let { data: team, etag } = await getTagged(path);
  const status = h('div', { role: 'status' });
  const show = (text, kind = 'success') => clear(status, message(kind, text));
  const title = h('h1', {}, team.name);
  const count = h('span', {}, String(team.member_count));
  const recount = async () => {
    try {
      const now = await getTagged(path);
      etag = now.etag;
      count.textContent = String(now.data.member_count);
    } catch {
      // the count catches up on the next visit
    }
  };

  const people = list({
    path: `${path}/members`,
    caption: 'Members of the team',
    empty: 'Nobody is in this team yet.',
    columns: [
      { label: 'Name', cell: (m) => h('span', { class: 'team-member' }, m.name) },
      { label: 'Added', cell: (m) => when(m.added_at) },
      admin && {
        label: 'Actions',
        cell: (m) => confirmButton('Take out', async () => {
          await api('DELETE', `${path}/members/${encodeURIComponent(m.user_id)}`);
          toast(`${m.name} left the team.`);
          people.reload();
          recount();
        }, { confirm: `Click again to take ${m.name} out` }),
      },
    ].filter(Boolean),
  });

  let manage = null;
  if (admin) {
    const rename = form([{ name: 'name', label: 'Name', required: true, maxlength: 100, value: team.name }], async (v) => {
      try {
        const res = await api('PATCH', path, v, { headers: ifMatch(etag), raw: true });
        etag = res.headers.get('ETag') || '';
        team = await res.json();
      } catch (err) {
        if (err?.status === 412) { show(changedText(err), 'error'); return; }
        throw err;
      }
      title.textContent = team.name;
      document.title = `${team.name} · Tenantry`;
      show('Team renamed.');
    }, { submit: 'Rename', label: 'Rename the team', class: 'admin-form' });

    const members = await readAll('/api/v1/members').catch(() => []);
    const add = form([{
      name: 'user_id', label: 'Member', type: 'select', required: true,
      options: [{ value: '', label: 'Choose a member…' }, ...members.map((m) => ({ value: m.user_id, label: `${m.name || m.email} (${m.email})` }))],
    }], async (v, f) => {
      const added = await api('POST', `${path}/members`, v);
      f.reset();
      toast(`${added.name} joined the team.`);
      people.reload();
      recount();
    }, { submit: 'Add to the team', label: 'Add a member', class: 'admin-form' });

    const remove = confirmButton('Delete the team', async () => {
      try {
        await api('DELETE', path, undefined, { headers: ifMatch(etag) });
      } catch (err) {
        show(err?.status === 409 ? `${errorDetail(err)} Move those flows and steps to another team first.` : changedText(err), 'error');
        return;
      }
      toast(`Team ${team.name} deleted.`);
      navigate('/teams');
    }, { confirm: 'Click again to delete the team' });

    manage = [section('Add a member', add), section('Rename', rename),
      section('Delete', h('p', { class: 'muted' }, 'Members stay in the tenant; flows or library steps shared with the team keep it from being deleted.'), remove)];
  }
  document.title = `${team.name} · Tenantry`;
  clear(main, h('div', { class: 'page-header' }, title), h('p', {}, h('a', { href: '/teams' }, '← All teams')), status,
    dl([['Members', count], ['Created', when(team.created_at)], ['Changed', when(team.updated_at)]]),
    section('Members', people), manage);
});

function errorDetail(err) {
  return err?.problem?.detail || 'The team is still in use.';
}
