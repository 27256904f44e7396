// The public share page (/s/{token}): the read-only view of a shared session, for anyone holding
// the link. A signed-in visitor's token goes with the request, so account-only links open for the
// tenant's members. Every refusal of the API is a page of its own with a heading: an unknown or
// revoked link (404), an expired one (410), an account-only link while signed out (401: sign in and
// come back), a member of another organisation (403).

import { h, clear, api, ApiError, message, when, session } from '../../lib.js';

const title = (t) => { document.title = `${t} · Tenantry`; };

// sharePage renders the route /s/:token.
export async function sharePage({ main, params, signal }) {
  const token = params.token;
  title('Shared session');
  clear(main, h('p', { class: 'loading' }, 'Loading the shared session…'));
  let v;
  try {
    v = await api('GET', `/api/v1/share/${encodeURIComponent(token)}`, undefined, { signal });
  } catch (err) {
    if (signal.aborted) return;
    clear(main, refusal(err, token));
    return;
  }
  clear(main, view(v));
}

// refusal is the page of a link that does not open.
function refusal(err, token) {
  const status = err instanceof ApiError ? err.status : 0;
  const next = `/sign-in?next=${encodeURIComponent(`/s/${token}`)}`;
  const pages = {
    404: ['This link does not work', 'There is no shared session at this address: the link is incomplete, was revoked, or never existed. Ask the person who sent it for a new one.'],
    410: ['This link has expired', 'The shared session was available only for a limited time. Ask the person who sent it for a new link.'],
    401: ['Sign in to see this session', 'This link is shared with the members of an organisation only. Sign in with your account to open it.'],
    403: ['You cannot open this link', 'This session is shared with the members of another organisation only. Your account does not belong to it; ask the person who sent the link for a public one.'],
    429: ['Too many requests', 'This address opened too many shared links in a short time. Wait a minute and reload the page.'],
  };
  const [heading, text] = pages[status] || ['This shared session could not be loaded', 'The server could not be reached or had a problem. Try again in a moment.'];
  title(heading);
  return h('div', { class: ['share-refusal', `share-${status || 'error'}`], dataset: { status: String(status) } },
    h('h1', {}, heading),
    message(status === 401 ? 'info' : 'error', text),
    status === 401 ? h('p', {}, h('a', { href: next, class: 'button primary', id: 'share-sign-in' }, 'Sign in')) : null,
    status === 403 && session.signedIn ? h('p', {}, h('a', { href: '/' }, 'Go to your console')) : null,
    status !== 401 && status !== 403 && !session.signedIn ? h('p', {}, h('a', { href: '/sign-in' }, 'Sign in to Tenantry')) : null);
}

// view is the read-only run: the flow, the ticket, the steps taken with their decisions and notes,
// the custom steps where they were added, and the outcome.
function view(v) {
  title(v.title || 'Shared session');
  const nodes = new Map(((v.graph && v.graph.nodes) || []).map((n) => [n.id, n]));
  const decisions = [...(v.decisions || [])];
  const customs = v.custom_steps || [];
  const placed = new Set();
  const items = [];
  for (const p of v.path || []) {
    if (p.type === 'logic') continue;
    const n = nodes.get(p.node_id) || {};
    const i = decisions.findIndex((d) => d.node_id === p.node_id);
    const d = i >= 0 ? decisions.splice(i, 1)[0] : null;
    items.push(h('li', { class: 'share-step' },
      h('h3', {}, p.title || n.title || p.node_id),
      n.body ? h('p', { class: 'runner-body' }, n.body) : null,
      n.command ? h('p', {}, h('code', {}, n.command)) : null,
      d ? h('p', { class: 'share-decision' }, h('span', { class: 'muted' }, 'Chosen: '), h('strong', {}, d.label || d.option_id),
        d.at ? h('span', { class: 'muted' }, ` · ${when(d.at)}`) : null) : null,
      d?.note ? h('p', { class: 'trail-note' }, h('span', { class: 'muted' }, 'Note: '), d.note) : null,
      p.type === 'resolution' && n.outcome ? h('p', {}, h('span', { class: 'badge badge-ok' }, `outcome: ${n.outcome}`)) : null));
    for (const c of customs) {
      if (c.after_node_id === p.node_id && !placed.has(c.id)) {
        placed.add(c.id);
        items.push(customItem(c));
      }
    }
  }
  for (const c of customs) if (!placed.has(c.id)) items.push(customItem(c));
  const facts = [
    ['Status', v.status], ['Outcome', v.outcome], ['Ticket', v.ticket_number], ['Client', v.client_name],
    ['Started', when(v.started_at)], ['Completed', when(v.completed_at)],
  ].filter(([, x]) => x);
  return h('article', { class: 'share-view' },
    h('p', { class: 'muted share-kicker' }, v.share_name ? `Shared session · ${v.share_name}` : 'Shared session'),
    h('h1', {}, v.title || 'Session'),
    v.description ? h('p', {}, v.description) : null,
    h('dl', { class: 'share-facts' }, facts.map(([k, x]) => h('div', {}, h('dt', {}, k), h('dd', {}, x)))),
    h('h2', {}, 'Steps taken'),
    items.length ? h('ol', { class: 'share-steps' }, items) : h('p', { class: 'muted' }, 'No step was taken.'),
    h('p', { class: 'muted share-foot' }, 'A read-only view shared from Tenantry.'));
}

function customItem(c) {
  return h('li', { class: 'share-step share-custom' },
    h('h3', {}, h('span', { class: 'badge' }, 'Custom step'), ' ', c.title || ''),
    c.content ? h('p', { class: 'runner-body' }, c.content) : null,
    c.result ? h('p', {}, h('span', { class: 'muted' }, 'Result: '), c.result) : null);
}
