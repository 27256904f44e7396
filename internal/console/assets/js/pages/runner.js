// The technician's sessions: the list of mine (and those assigned to me) with a form that starts
// one from a published flow, the runner that walks a session (the current node's options as large
// buttons, back, notes, variables, custom steps, complete, export, share), and the public share
// page at /s/{token}. Every one of them is usable with the keyboard alone: the runner's options
// are buttons (and number keys 1–9 choose one), the current node's heading takes the focus after
// each step and a live region announces the new node.

import {
  h, clear, route, navigate, api, form, field, message, pageHeader, errorText, ApiError, toast, when,
  list, copyButton, confirmButton, download, atLeast, id, showErrors,
} from '../lib.js';
import { nav } from '../nav.js';
import { sharePage } from './runner/share.js';

nav('Flows', 'Sessions', '/sessions', 'viewer', 20);

const outcomes = [
  { value: 'resolved', label: 'Resolved' },
  { value: 'escalated', label: 'Escalated' },
  { value: 'unresolved', label: 'Unresolved' },
];

const statusBadge = { prepared: 'badge', active: 'badge badge-warn', completed: 'badge badge-ok', abandoned: 'badge badge-bad' };

// badge shows a session's status.
export function badge(status) {
  return h('span', { class: statusBadge[status] || 'badge' }, status || 'unknown');
}

// ---------------------------------------------------------------- the list

route('/sessions', ({ main, query }) => {
  const status = h('select', { id: 'sessions-status', name: 'status', value: query.get('status') || '' },
    h('option', { value: '' }, 'Any status'),
    ['prepared', 'active', 'completed', 'abandoned'].map((s) => h('option', { value: s }, s)));
  const scope = h('select', { id: 'sessions-scope', name: 'scope', value: query.get('scope') || '' },
    h('option', { value: '' }, 'Mine and assigned to me'),
    h('option', { value: 'mine' }, 'Mine'),
    h('option', { value: 'assigned' }, 'Assigned to me'));
  const box = h('div');
  function load() {
    const q = new URLSearchParams();
    if (status.value) q.set('status', status.value);
    if (scope.value) q.set('scope', scope.value);
    const qs = q.toString();
    history.replaceState(null, '', `/sessions${qs ? `?${qs}` : ''}`);
    clear(box, list({
      path: `/api/v1/sessions${qs ? `?${qs}` : ''}`,
      caption: 'Your sessions, newest first',
      empty: 'No sessions yet: start one from a published flow.',
      columns: [
        { label: 'Flow', cell: (s) => h('a', { href: `/sessions/${encodeURIComponent(s.id)}` }, s.title || 'Untitled') },
        { label: 'Status', cell: (s) => [badge(s.status), s.outcome ? ` ${s.outcome}` : ''] },
        { label: 'Ticket', cell: (s) => s.ticket_number || '' },
        { label: 'Client', cell: (s) => s.client_name || '' },
        { label: 'Started', cell: (s) => when(s.started_at || s.created_at) },
      ],
    }));
  }
  status.addEventListener('change', load);
  scope.addEventListener('change', load);
  clear(main, pageHeader('Sessions'),
    atLeast('operator') ? startForm(query.get('flow_id') || '') : null,
    h('h2', {}, 'Your sessions'),
    h('div', { class: 'session-filters' },
      h('div', { class: 'field' }, h('label', { for: 'sessions-status' }, 'Status'), status),
      h('div', { class: 'field' }, h('label', { for: 'sessions-scope' }, 'Whose'), scope)),
    box);
  load();
});

// startForm starts a session on a published flow the member can see.
function startForm(flowID) {
  const select = h('select', { id: 'start-flow', name: 'flow_id', required: true },
    h('option', { value: '' }, 'Loading flows…'));
  const f = form([
    h('div', { class: 'field', dataset: { field: 'flow_id' } }, h('label', { for: 'start-flow' }, 'Flow'), select),
    { name: 'ticket_number', label: 'Ticket number', autocomplete: 'off', maxlength: 200 },
    { name: 'client_name', label: 'Client', autocomplete: 'off', maxlength: 200 },
  ], async (v) => {
    if (!v.flow_id) {
      throw new ApiError(422, { detail: 'Choose a flow.', errors: [{ location: 'body.flow_id', message: 'Choose a published flow.' }] });
    }
    const s = await api('POST', '/api/v1/sessions', v);
    navigate(`/sessions/${encodeURIComponent(s.id)}`);
  }, { submit: 'Start the session', label: 'Start a session', class: 'start-form' });
  (async () => {
    try {
      const flows = [];
      let cursor = '';
      for (let i = 0; i < 5; i += 1) {
        const page = await api('GET', `/api/v1/flows?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        flows.push(...(page.items || []).filter((x) => x.current_version));
        cursor = page.next_cursor || '';
        if (!cursor) break;
      }
      clear(select, h('option', { value: '' }, flows.length ? 'Choose a published flow' : 'No published flow yet'),
        flows.map((x) => h('option', { value: x.id }, `${x.title} (v${x.current_version})`)));
      if (flowID) select.value = flowID;
    } catch (err) {
      clear(select, h('option', { value: '' }, 'The flows could not be loaded'));
      showErrors(f, err);
    }
  })();
  return h('section', { class: 'card start-card', 'aria-labelledby': 'start-title' }, h('h2', { id: 'start-title' }, 'Start a session'), f);
}

// ---------------------------------------------------------------- the runner

const nodeTypes = {
  question: 'Question', instruction: 'Instruction', input: 'Information to collect', subflow: 'Sub-flow',
  link: 'Link', resolution: 'Resolution', logic: 'Automatic step',
};

// typing reports whether a key event comes from a control that takes text (number keys stay text).
function typing(e) {
  const t = e.target;
  return t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}

route('/sessions/:id', async ({ main, params, signal }) => {
  const path = `/api/v1/sessions/${encodeURIComponent(params.id)}`;
  let s;
  try {
    s = await api('GET', path, undefined, { signal });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      clear(main, pageHeader('Session not found'),
        message('error', 'There is no session at this address, or it is not yours: sessions are seen only by their owner.'),
        h('p', {}, h('a', { href: '/sessions' }, 'Back to your sessions')));
      return;
    }
    throw err;
  }
  const r = new Runner(main, path, s);
  r.mount();
  main.querySelector('#node-title')?.focus();
  const onKey = (e) => r.key(e);
  document.addEventListener('keydown', onKey);
  signal.addEventListener('abort', () => document.removeEventListener('keydown', onKey));
});

// Runner is the runner page of one session.
class Runner {
  constructor(main, path, s) {
    this.main = main;
    this.path = path;
    this.s = s;
    this.busy = false;
    this.live = h('div', { class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'true', id: 'runner-live' });
    this.head = h('div');
    this.step = h('section', { class: 'runner-step', 'aria-labelledby': 'node-title' });
    this.trail = h('section', { class: 'card runner-trail', 'aria-labelledby': 'trail-title' });
    this.finish = h('section', { class: 'card', 'aria-labelledby': 'finish-title' });
    this.vars = h('section', { class: 'card', 'aria-labelledby': 'vars-title' });
    this.notes = h('section', { class: 'card', 'aria-labelledby': 'notes-title' });
    this.custom = h('section', { class: 'card', 'aria-labelledby': 'custom-title' });
    this.out = h('section', { class: 'card', 'aria-labelledby': 'out-title' });
  }

  get ended() { return this.s.status === 'completed' || this.s.status === 'abandoned'; }

  mount() {
    clear(this.main, this.head, this.live,
      h('div', { class: 'runner' },
        h('div', { class: 'runner-main' }, this.step, this.finish, this.trail),
        h('div', { class: 'runner-side' }, this.notes, this.vars, this.custom, this.out)));
    this.renderAll();
  }

  renderAll() {
    this.renderHead();
    this.renderStep();
    this.renderTrail();
    this.renderFinish();
    this.renderNotes();
    this.renderVars();
    this.renderCustom();
    this.renderOut();
  }

  // update adopts a changed session and redraws what depends on it; after a move along the flow
  // (step true) the new node is announced and its heading takes the focus.
  update(s, { step = false } = {}) {
    this.csat = s.csat_token || this.csat;
    this.s = s;
    this.renderHead();
    if (!step) return;
    this.renderStep();
    this.renderTrail();
    this.renderFinish();
    this.renderVars();
    this.renderCustom();
    if (this.ended) this.renderNotes();
    const n = s.current_node;
    const what = this.ended ? ` Session ${s.status}${s.outcome ? `: ${s.outcome}` : ''}.` : '';
    clear(this.live, `Step ${(s.decisions || []).length + 1}: ${n?.title || ''}.${what}`);
    this.step.querySelector('#node-title')?.focus();
  }

  renderHead() {
    const s = this.s;
    clear(this.head, pageHeader(s.title || 'Session', h('a', { href: '/sessions', class: 'button' }, 'All sessions')),
      h('p', { class: 'runner-meta' }, badge(s.status),
        s.outcome ? h('span', { class: 'badge badge-ok' }, `outcome: ${s.outcome}`) : null,
        s.ticket_number ? h('span', {}, `Ticket ${s.ticket_number}`) : null,
        s.client_name ? h('span', {}, `Client ${s.client_name}`) : null,
        s.flow_version ? h('span', { class: 'muted' }, `Flow version ${s.flow_version}`) : null,
        s.started_at ? h('span', { class: 'muted' }, `Started ${when(s.started_at)}`) : null));
  }

  renderStep() {
    const s = this.s;
    const n = s.current_node || {};
    const count = (s.decisions || []).length;
    const parts = [
      h('p', { class: 'runner-kind' }, `Step ${count + 1} · ${nodeTypes[n.type] || n.type || ''}`),
      h('h2', { id: 'node-title', tabindex: '-1' }, n.title || 'No current step'),
      n.body ? h('p', { class: 'runner-body' }, n.body) : null,
      n.command ? h('div', { class: 'runner-command' }, h('code', {}, n.command), copyButton(n.command, 'Copy the command')) : null,
      n.url ? h('p', {}, h('a', { href: n.url, target: '_blank', rel: 'noopener noreferrer' }, n.url)) : null,
    ];
    if (s.status === 'prepared') {
      parts.push(message('info', 'This session is prepared and not started yet.'),
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', id: 'runner-start', onclick: () => this.act('POST', '/start', undefined, true) }, 'Start')));
    } else if (this.ended) {
      parts.push(message(s.status === 'completed' ? 'success' : 'info',
        s.status === 'completed' ? `This session is completed${s.outcome ? ` (${s.outcome})` : ''}.` : 'This session was abandoned.'));
    } else if (n.type === 'resolution') {
      parts.push(message('info', 'The flow ends here.'));
    } else {
      const opts = n.type === 'question' ? (n.options || []) : [{ id: 'next', label: 'Continue' }];
      const noteID = id('decision-note');
      const note = h('textarea', { id: noteID, name: 'note', rows: 2, maxlength: 2000 });
      this.input = null;
      if (n.type === 'input' && (n.fields || []).length) {
        this.input = this.inputForm(n);
        parts.push(this.input);
      }
      parts.push(
        h('div', { class: 'runner-options', role: 'group', 'aria-label': 'Options' },
          opts.map((o, i) => h('button', {
            type: 'button', class: 'option', dataset: { option: o.id },
            'aria-keyshortcuts': i < 9 ? String(i + 1) : null,
            onclick: () => this.decide(o.id, note.value),
          }, i < 9 ? h('span', { class: 'option-key', 'aria-hidden': 'true' }, String(i + 1)) : null, h('span', {}, o.label || o.id)))),
        h('p', { class: 'help' }, opts.length > 1 ? `Press 1 to ${Math.min(opts.length, 9)} to choose an option.` : 'Press 1 to continue.'),
        h('div', { class: 'field runner-note' }, h('label', { for: noteID }, 'Note for this step (optional)'), note));
    }
    if (!this.ended) {
      parts.push(h('div', { class: 'actions runner-nav' },
        h('button', {
          type: 'button', id: 'runner-back', disabled: count === 0,
          onclick: () => this.act('POST', '/back', undefined, true),
        }, 'Back one step')));
    }
    clear(this.step, parts);
  }

  // inputForm collects the values of an input node's fields before it is continued.
  inputForm(n) {
    const f = form((n.fields || []).map((fd) => varField(fd, (this.s.variables || {})[fd.name])), async (v, el) => {
      this.update(await api('PATCH', `${this.path}/variables`, { values: typed(n.fields, v, el) }));
      this.renderVars();
      toast('Saved.');
    }, { submit: 'Save the answers', label: n.title, class: 'runner-input' });
    return f;
  }

  key(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || typing(e)) return;
    if (!/^[1-9]$/.test(e.key)) return;
    const buttons = this.step.querySelectorAll('button.option');
    const b = buttons[Number(e.key) - 1];
    if (!b || b.disabled) return;
    e.preventDefault();
    b.click();
  }

  async decide(option, note) {
    const n = this.s.current_node || {};
    if (this.input && n.type === 'input') { // the answers go with the step
      try {
        this.s = await api('PATCH', `${this.path}/variables`, { values: typed(n.fields || [], {}, this.input) });
      } catch (err) {
        showErrors(this.input, err);
        this.input.querySelector('[aria-invalid]')?.focus();
        return;
      }
    }
    const body = { option_id: option };
    if (note && note.trim()) body.note = note.trim();
    await this.act('POST', '/decisions', body, true);
  }

  // act sends one change of the session and shows the answer (or the refusal).
  async act(method, sub, body, step) {
    if (this.busy) return;
    this.busy = true;
    this.step.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      this.update(await api(method, this.path + sub, body), { step });
    } catch (err) {
      this.renderStep();
      this.step.prepend(message('error', errorText(err)));
      this.step.querySelector('#node-title')?.focus();
    } finally {
      this.busy = false;
    }
  }

  renderTrail() {
    const s = this.s;
    const titles = new Map((s.path || []).map((p) => [p.node_id, p.title]));
    const ds = s.decisions || [];
    clear(this.trail, h('h2', { id: 'trail-title' }, 'Steps taken'),
      ds.length === 0 ? h('p', { class: 'muted' }, 'No step taken yet.')
        : h('ol', { class: 'trail' }, ds.map((d) => h('li', {},
          h('span', { class: 'trail-node' }, titles.get(d.node_id) || d.node_id), ' → ',
          h('strong', {}, d.label || d.option_id),
          d.note ? h('p', { class: 'trail-note' }, d.note) : null,
          h('span', { class: 'muted trail-at' }, ` ${when(d.at)}`)))));
  }

  renderFinish() {
    const s = this.s;
    const parts = [h('h2', { id: 'finish-title' }, this.ended ? 'Result' : 'Complete the session')];
    if (!this.ended && s.status !== 'prepared') {
      parts.push(form([
        { name: 'outcome', label: 'Outcome', type: 'select', options: outcomes, required: true, value: 'resolved' },
      ], async (v) => {
        const done = await api('POST', `${this.path}/complete`, v);
        this.update(done, { step: true });
        toast('The session is completed.');
      }, { submit: 'Complete', label: 'Complete the session', class: 'form-inline',
        actions: confirmButton('Abandon', async () => { this.update(await api('POST', `${this.path}/abandon`), { step: true }); }, { confirm: 'Confirm: abandon' }) }));
    } else if (this.ended) {
      parts.push(h('p', {}, s.status === 'completed' ? `Completed ${when(s.completed_at)} with outcome ` : `Abandoned ${when(s.abandoned_at)}`,
        s.status === 'completed' ? h('strong', {}, s.outcome || 'none') : null, '.'));
    }
    if (this.csat) {
      const url = this.s.csat_url || `${location.origin}/api/v1/csat/${encodeURIComponent(this.csat)}`;
      parts.push(h('div', { class: 'notice notice-success', id: 'csat' },
        h('p', {}, 'Customer survey: give the client this token (shown only now). Their answer is a POST of a score from 1 to 5 to the survey address.'),
        h('p', {}, h('code', { class: 'secret', id: 'csat-token' }, this.csat), copyButton(this.csat, 'Copy the survey token')),
        h('p', {}, h('code', { class: 'secret' }, url), copyButton(url, 'Copy the survey address'))));
    }
    clear(this.finish, parts);
  }

  renderNotes() {
    const ta = h('textarea', { id: 'runner-notes', name: 'text', rows: 6, value: this.s.scratchpad || '', disabled: this.ended });
    const f = h('form', { class: 'form', 'aria-label': 'Notes' },
      h('div', { class: 'form-alert', role: 'alert' }),
      h('div', { class: 'field', dataset: { field: 'text' } },
        h('label', { for: 'runner-notes' }, 'Your notes'), ta,
        h('p', { class: 'help' }, 'Private to you: the share page never shows them.')),
      this.ended ? null : h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save the notes')));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      showErrors(f, null);
      try {
        this.s = await api('PUT', `${this.path}/scratchpad`, { text: ta.value });
        toast('Notes saved.');
      } catch (err) {
        showErrors(f, err);
      }
    });
    clear(this.notes, h('h2', { id: 'notes-title' }, 'Notes'), f);
  }

  renderVars() {
    const defs = this.s.variable_definitions || [];
    const vals = this.s.variables || {};
    const parts = [h('h2', { id: 'vars-title' }, 'Variables')];
    if (defs.length === 0) {
      parts.push(h('p', { class: 'muted' }, 'This flow defines no variables.'));
    } else if (this.ended) {
      parts.push(h('dl', { class: 'vars' }, defs.map((d) => [h('dt', {}, d.label || d.name), h('dd', {}, fmtValue(vals[d.name]))])));
    } else {
      parts.push(form(defs.map((d) => varField(d, vals[d.name], 'var-')), async (v, el) => {
        this.update(await api('PATCH', `${this.path}/variables`, { values: typed(defs, v, el, 'var-') }));
        this.renderVars();
        this.vars.querySelector('#vars-title')?.focus();
        toast('Variables saved.');
      }, { submit: 'Save the variables', label: 'Variables' }));
    }
    clear(this.vars, parts);
    this.vars.querySelector('#vars-title')?.setAttribute('tabindex', '-1');
  }

  renderCustom() {
    const steps = this.s.custom_steps || [];
    const parts = [h('h2', { id: 'custom-title' }, 'Custom steps')];
    if (steps.length === 0) parts.push(h('p', { class: 'muted' }, 'None yet: add what you did that the flow does not list.'));
    parts.push(h('ol', { class: 'custom-steps' }, steps.map((c) => h('li', { dataset: { step: c.id } }, this.customItem(c)))));
    if (!this.ended) {
      const add = form(customFields({}), async (v, el) => {
        const s = await api('POST', `${this.path}/custom-steps`, { ...v, after_node_id: this.s.current_node?.id });
        this.update(s);
        this.renderCustom();
        el.reset?.();
        toast('Step added.');
        this.custom.querySelector('#custom-title')?.focus();
      }, { submit: 'Add the step', label: 'Add a custom step' });
      parts.push(h('details', { class: 'add-step' }, h('summary', {}, 'Add a custom step'), add));
    }
    clear(this.custom, parts);
    this.custom.querySelector('#custom-title')?.setAttribute('tabindex', '-1');
  }

  customItem(c) {
    const view = [h('strong', { class: 'custom-title' }, c.title || ''),
      c.content ? h('p', { class: 'custom-content' }, c.content) : null,
      c.result ? h('p', { class: 'custom-result' }, h('span', { class: 'muted' }, 'Result: '), c.result) : null];
    if (this.ended) return view;
    const li = h('div', {}, view);
    const edit = h('button', {
      type: 'button', class: 'link', 'aria-label': `Edit step ${c.title || ''}`,
      onclick: () => {
        const f = form(customFields(c), async (v) => {
          const s = await api('PATCH', `${this.path}/custom-steps/${encodeURIComponent(c.id)}`, v);
          this.update(s);
          this.renderCustom();
          toast('Step saved.');
          this.custom.querySelector('#custom-title')?.focus();
        }, { submit: 'Save the step', label: `Edit step ${c.title || ''}`,
          actions: h('button', { type: 'button', onclick: () => { this.renderCustom(); this.custom.querySelector('#custom-title')?.focus(); } }, 'Cancel') });
        clear(li, f);
        f.querySelector('input')?.focus();
      },
    }, 'Edit');
    const del = confirmButton('Delete', async () => {
      const s = await api('DELETE', `${this.path}/custom-steps/${encodeURIComponent(c.id)}`);
      this.update(s);
      this.renderCustom();
      toast('Step deleted.');
      this.custom.querySelector('#custom-title')?.focus();
    }, { confirm: 'Confirm: delete' });
    del.setAttribute('aria-label', `Delete step ${c.title || ''}`);
    li.append(h('div', { class: 'actions' }, edit, del));
    return li;
  }

  renderOut() {
    const fmt = h('select', { id: 'export-format', name: 'format' },
      h('option', { value: 'md' }, 'Markdown'), h('option', { value: 'txt' }, 'Plain text'), h('option', { value: 'html' }, 'HTML'));
    const exp = h('button', {
      type: 'button', id: 'export',
      onclick: async () => {
        exp.disabled = true;
        try {
          await download(`${this.path}/export?format=${fmt.value}`, `${fileName(this.s.title)}.${fmt.value}`);
          toast('The export is downloading.');
        } catch (err) {
          toast(errorText(err));
        } finally {
          exp.disabled = false;
        }
      },
    }, 'Download the export');
    const link = h('div', { id: 'share-link' });
    const share = form([
      { name: 'visibility', label: 'Who may open the link', type: 'select', value: 'account', options: [
        { value: 'account', label: 'Members of this organisation (sign-in needed)' },
        { value: 'public', label: 'Anyone with the link (when your organisation allows it)' }] },
      { name: 'name', label: 'Name (optional)', maxlength: 200, help: 'For your list of links, e.g. the client\'s name.' },
    ], async (v) => {
      const sh = await api('POST', `${this.path}/shares`, v);
      const url = sh.url || `${location.origin}/s/${encodeURIComponent(sh.token)}`;
      const inputID = id('share-url');
      clear(link, message('success', 'The link is ready; it is shown only now.'),
        h('div', { class: 'field' }, h('label', { for: inputID }, v.visibility === 'public' ? 'Public link' : 'Link for members'),
          h('input', { id: inputID, class: 'share-url', type: 'text', readonly: true, value: url })),
        h('div', { class: 'actions' }, copyButton(url, 'Copy the link'),
          h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, 'Open it')));
      link.querySelector('button')?.focus();
      this.loadShares();
    }, { submit: 'Create a share link', label: 'Share' });
    this.shareList = h('div', { class: 'share-list' });
    clear(this.out, h('h2', { id: 'out-title' }, 'Export and share'),
      h('div', { class: 'field' }, h('label', { for: 'export-format' }, 'Format'), fmt),
      h('div', { class: 'actions' }, exp),
      h('h3', {}, 'Share a read-only view'), share, link, this.shareList);
    this.loadShares();
  }

  // loadShares lists this session's links (from the member's own links) with a revoke button each.
  async loadShares() {
    try {
      const mine = [];
      let cursor = '';
      for (let i = 0; i < 5; i += 1) {
        const page = await api('GET', `/api/v1/shares/mine?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        mine.push(...(page.items || []).filter((x) => x.session_id === this.s.id));
        cursor = page.next_cursor || '';
        if (!cursor) break;
      }
      clear(this.shareList, mine.length === 0 ? null : [h('h3', {}, 'Active links'),
        h('ul', { class: 'shares' }, mine.map((x) => h('li', {},
          h('span', {}, x.name || 'Unnamed link'), ' ',
          h('span', { class: 'badge' }, x.visibility === 'public' ? 'public' : 'members'), ' ',
          h('span', { class: 'muted' }, `${x.view_count || 0} views`), ' ',
          (() => {
            const b = confirmButton('Revoke', async () => {
              await api('DELETE', `/api/v1/shares/${encodeURIComponent(x.id)}`);
              toast('The link is revoked.');
              this.loadShares();
            }, { confirm: 'Confirm: revoke' });
            b.setAttribute('aria-label', `Revoke link ${x.name || ''}`.trim());
            return b;
          })())))]);
    } catch (err) {
      clear(this.shareList, message('error', errorText(err)));
    }
  }
}

// customFields are the fields of a custom step.
function customFields(c) {
  return [
    { name: 'title', label: 'Title', required: true, maxlength: 200, value: c.title || '' },
    { name: 'content', label: 'What you did', type: 'textarea', rows: 3, value: c.content || '' },
    { name: 'result', label: 'Result', value: c.result || '' },
  ];
}

// varField is the control of one variable definition.
function varField(d, value, prefix = '') {
  const box = varControl(d, value, prefix + d.name);
  box.dataset.field = `values.${d.name}`; // where the API puts its errors
  return box;
}

function varControl(d, value, name) {
  const label = d.label || d.name;
  if (d.type === 'boolean') {
    return field({ name, label, type: 'select', required: !!d.required, value: value == null ? '' : String(value),
      options: [{ value: '', label: '—' }, { value: 'true', label: 'Yes' }, { value: 'false', label: 'No' }] });
  }
  if (d.type === 'choice') {
    return field({ name, label, type: 'select', required: !!d.required, value: value == null ? '' : String(value),
      options: [{ value: '', label: '—' }, ...(d.choices || []).map((c) => ({ value: c, label: c }))] });
  }
  return field({ name, label, type: d.type === 'number' ? 'number' : 'text', required: !!d.required,
    value: value == null ? '' : String(value), step: d.type === 'number' ? 'any' : null });
}

// typed turns a form's text values into the variables' types; an empty field unsets its variable.
function typed(defs, v, el, prefix = '') {
  const out = {};
  for (const d of defs) {
    const control = el.elements.namedItem(prefix + d.name);
    const raw = control ? control.value : v[prefix + d.name];
    if (raw === '' || raw == null) { out[d.name] = null; continue; }
    if (d.type === 'number') out[d.name] = Number(raw);
    else if (d.type === 'boolean') out[d.name] = raw === 'true';
    else out[d.name] = raw;
  }
  return out;
}

function fmtValue(v) {
  if (v == null) return '—';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  return String(v);
}

// fileName is a download's name made from a title.
function fileName(title) {
  const base = String(title || 'session').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `session-${base || 'export'}`;
}

// ---------------------------------------------------------------- the share page

route('/s/:token', sharePage, { public: true, bare: true, tryRenew: true });
