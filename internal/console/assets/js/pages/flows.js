// The flows pages: the library (search and filters), the flow editor (the flow's fields and its
// draft graph as forms, with the validation problems shown on the node they belong to), publish,
// the versions and a read-only view of each, and the tenant's categories and tags.

import {
  h, clear, route, navigate, api, ApiError, pageHeader, message, list, when, atLeast, errorText, toast,
  confirmButton, field, showErrors,
} from '../lib.js';
import { nav } from '../nav.js';
import { editor, fromGraph, toGraph, starter, showProblems, outlineOf, readOnly } from './flows/graph.js';

nav('Flows', 'Library', '/flows', 'viewer');
nav('Flows', 'Categories and tags', '/flow-catalogue', 'viewer');

const kinds = ['troubleshooting', 'procedural', 'maintenance'];
const visibilities = [
  { value: 'private', label: 'Private (only you)' },
  { value: 'team', label: 'Team' },
  { value: 'account', label: 'Everyone in the tenant' },
];

// catalogue loads the categories and tags a flow may use (global and the tenant's).
async function catalogue(signal) {
  const [cats, tags] = await Promise.all([
    api('GET', '/api/v1/flow-categories?limit=100', undefined, { signal }),
    api('GET', '/api/v1/flow-tags?limit=100', undefined, { signal }),
  ]);
  return { categories: cats.items || [], tags: tags.items || [] };
}

// notFound is the page of a flow the user cannot reach: another tenant's, private, deleted or
// unknown — one message for all.
function notFound(main) {
  clear(main, pageHeader('Flow not found'),
    message('error', 'This flow does not exist, or you cannot see it.'),
    h('p', {}, h('a', { href: '/flows' }, 'Back to the library')));
}

// startSession starts a technician's session on a flow's latest version and opens it.
function startButton(flow) {
  if (!flow.current_version || !atLeast('operator')) return null;
  return h('button', {
    type: 'button', class: 'start-session', 'aria-label': `Start a session: ${flow.title}`,
    onclick: async (e) => {
      const b = e.currentTarget;
      b.disabled = true;
      try {
        const s = await api('POST', '/api/v1/sessions', { flow_id: flow.id });
        navigate(`/sessions/${encodeURIComponent(s.id)}`);
      } catch (err) {
        toast(errorText(err));
      } finally {
        b.disabled = false;
      }
    },
  }, 'Start a session');
}

function versionBadge(f) {
  return f.current_version
    ? h('span', { class: 'badge badge-ok' }, `Published v${f.current_version}`)
    : h('span', { class: 'badge badge-warn' }, 'Draft only');
}

// ---------------------------------------------------------------- the library

route('/flows', async ({ main, query, signal }) => {
  const { categories, tags } = await catalogue(signal);
  const q = (k) => query.get(k) || '';
  const choice = (name, label, opts) => field({
    name, label, type: 'select', value: q(name), options: [{ value: '', label: 'Any' }, ...opts],
  });
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Find flows' },
    field({ name: 'q', label: 'Search', type: 'search', value: q('q'), placeholder: 'Words of the title or description' }),
    choice('kind', 'Kind', kinds.map((k) => ({ value: k, label: k }))),
    choice('category', 'Category', categories.map((c) => ({ value: c.id, label: c.name }))),
    choice('tag', 'Tag', tags.map((t) => ({ value: t.id, label: t.name }))),
    choice('visibility', 'Visibility', visibilities),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Search'),
      query.toString() ? h('a', { href: '/flows', class: 'button' }, 'Clear') : null));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    const params = new URLSearchParams();
    for (const el of filters.elements) if (el.name && el.value) params.set(el.name, el.value);
    const s = params.toString();
    navigate(`/flows${s ? `?${s}` : ''}`);
  });
  const params = new URLSearchParams();
  for (const k of ['q', 'kind', 'category', 'tag', 'visibility']) if (q(k)) params.set(k, q(k));
  const table = list({
    path: `/api/v1/flows?limit=50${params.toString() ? `&${params}` : ''}`,
    caption: query.toString() ? 'Flows matching the search' : 'All flows you can see',
    empty: query.toString() ? 'No flow matches the search.' : 'No flows yet.',
    columns: [
      { label: 'Title', cell: (f) => h('a', { href: `/flows/${f.id}`, class: 'flow-title' }, f.title) },
      { label: 'Kind', cell: (f) => f.kind },
      { label: 'Category', cell: (f) => f.category?.name || '—' },
      { label: 'Tags', cell: (f) => (f.tags || []).map((t) => h('span', { class: 'badge tag' }, t.name)) },
      { label: 'Status', cell: versionBadge },
      { label: 'Updated', cell: (f) => when(f.updated_at) },
      { label: 'Actions', cell: (f) => h('div', { class: 'row-actions' },
        f.current_version ? h('a', { href: `/flows/${f.id}/versions` }, 'Versions') : null, startButton(f)) },
    ],
  });
  table.classList.add('flow-library');
  clear(main, pageHeader('Flows', atLeast('operator') ? h('a', { href: '/flows/new', class: 'button primary' }, 'New flow') : null),
    filters, table);
});

// ---------------------------------------------------------------- the editor

route('/flows/new', ({ main, signal }) => editPage(main, signal, null));
route('/flow-catalogue', ({ main, signal }) => cataloguePage(main, signal));
route('/flows/:id', ({ main, signal, params }) => editPage(main, signal, params.id));

// editPage is the editor of a flow (id) or of a new one (null): its fields, its draft graph,
// save and publish.
async function editPage(main, signal, flowID) {
  let flow = null;
  let etag = '';
  let nodes;
  let problems = [];
  try {
    if (flowID) {
      const res = await api('GET', `/api/v1/flows/${encodeURIComponent(flowID)}`, undefined, { raw: true, signal });
      etag = res.headers.get('ETag') || '';
      flow = await res.json();
      const draft = await api('GET', `/api/v1/flows/${encodeURIComponent(flowID)}/draft`, undefined, { signal });
      nodes = fromGraph(draft.graph);
      problems = draft.problems || [];
    } else {
      nodes = starter();
    }
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 400 || err.status === 422)) return notFound(main);
    throw err;
  }
  const { categories, tags } = await catalogue(signal);
  const published = await api('GET', '/api/v1/flows?limit=100', undefined, { signal }).catch(() => ({ items: [] }));
  const canEdit = flow ? flow.can_edit : atLeast('operator');

  const meta = h('div', { class: 'flow-meta' },
    field({ name: 'title', label: 'Title', required: true, value: flow?.title || '', maxlength: 200 }),
    field({ name: 'kind', label: 'Kind', type: 'select', value: flow?.kind || 'troubleshooting', options: kinds.map((k) => ({ value: k, label: k })) }),
    field({ name: 'description', label: 'Description', type: 'textarea', rows: 3, value: flow?.description || '', maxlength: 5000 }),
    field({ name: 'category_id', label: 'Category', type: 'select', value: flow?.category?.id || '',
      options: [{ value: '', label: 'None' }, ...categories.map((c) => ({ value: c.id, label: c.name }))] }),
    flow ? null : field({ name: 'visibility', label: 'Visibility', type: 'select', value: 'account', options: visibilities.filter((x) => x.value !== 'team') }),
    tags.length ? h('fieldset', { class: 'tag-picker', dataset: { field: 'tags' } }, h('legend', {}, 'Tags'),
      tags.map((t) => field({ name: `tag:${t.id}`, label: t.name, type: 'checkbox', value: (flow?.tags || []).some((x) => x.id === t.id) })))
      : null);
  const graphBox = editor(nodes, { flows: (published.items || []).filter((f) => f.current_version && f.id !== flowID), disabled: !canEdit });
  const status = h('div', { class: 'save-status', role: 'status' });
  const saveBtn = h('button', { type: 'submit', class: 'primary', id: 'save-flow' }, flow ? 'Save draft' : 'Create flow');
  const publishBtn = flow ? h('button', { type: 'button', id: 'publish-flow' }, 'Publish') : null;
  const f = h('form', { class: 'flow-editor', 'aria-label': 'Flow', novalidate: true },
    h('div', { class: 'form-alert', role: 'alert' }),
    h('section', { class: 'card', 'aria-labelledby': 'flow-fields-title' }, h('h2', { id: 'flow-fields-title' }, 'About the flow'), meta),
    h('section', { 'aria-labelledby': 'flow-nodes-title' }, h('h2', { id: 'flow-nodes-title' }, 'Nodes'),
      h('p', { class: 'muted' }, 'Each node is a step of the flow; answers and "leads to" choose the next one. The draft may be saved incomplete; publishing needs every problem fixed.'),
      graphBox),
    canEdit ? h('div', { class: 'actions editor-actions' }, saveBtn, publishBtn, status) : null);

  if (!canEdit) f.querySelectorAll('input, select, textarea, button').forEach((e) => { e.disabled = true; });

  function metaValues() {
    const v = {};
    for (const el of f.querySelectorAll('.flow-meta [name]')) {
      if (el.name.startsWith('tag:')) continue;
      v[el.name] = el.value;
    }
    v.tags = [...f.querySelectorAll('.flow-meta [name^="tag:"]')].filter((el) => el.checked).map((el) => el.name.slice(4));
    return v;
  }

  // show puts an error's or a draft's problems on the flow's fields and the nodes: the flow's own
  // fields (body.title…) through showErrors, the graph's on the node cards.
  function show(problems, summary) {
    const metaErrors = problems.filter((p) => p.location && !/^body\.graph(\.|$)/.test(p.location));
    showErrors(f, metaErrors.length ? new ApiError(422, { errors: metaErrors, detail: 'Please correct the highlighted fields.' }) : null);
    showProblems(graphBox, problems.filter((p) => !metaErrors.includes(p)), summary);
  }

  async function save() {
    const v = metaValues();
    const graph = toGraph(nodes);
    if (!flow) {
      const body = { title: v.title, kind: v.kind, description: v.description, visibility: v.visibility, tags: v.tags, graph };
      if (v.category_id) body.category_id = v.category_id;
      const created = await api('POST', '/api/v1/flows', body);
      toast('Flow created.');
      await navigate(`/flows/${created.id}`, { replace: true });
      return null;
    }
    const res = await api('PATCH', `/api/v1/flows/${encodeURIComponent(flow.id)}`,
      { title: v.title, kind: v.kind, description: v.description, category_id: v.category_id, tags: v.tags },
      { raw: true, headers: etag ? { 'If-Match': etag } : {} });
    flow = await res.json();
    const draft = await api('PUT', `/api/v1/flows/${encodeURIComponent(flow.id)}/draft`, { graph });
    // The draft's time is part of the flow, so its ETag changed again: read the new one.
    const again = await api('GET', `/api/v1/flows/${encodeURIComponent(flow.id)}`, undefined, { raw: true });
    etag = again.headers.get('ETag') || '';
    flow = await again.json();
    return draft;
  }

  async function busy(fn, refused = 'Not saved: fix the problems shown below.') {
    clear(status);
    saveBtn.disabled = true;
    if (publishBtn) publishBtn.disabled = true;
    try {
      await fn();
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        show([], '');
        clear(f.querySelector('.form-alert'), h('p', {}, 'Someone else changed this flow meanwhile. Reload the page to see their changes (yours are not saved).'));
      } else if (err instanceof ApiError && err.fieldErrors.length) {
        show(err.fieldErrors, refused);
        const alert = f.querySelector('.form-alert');
        if (!alert.textContent) clear(alert, h('p', {}, refused));
        clear(status, refused);
      } else {
        show([], '');
        clear(f.querySelector('.form-alert'), h('p', {}, errorText(err)));
        if (!(err instanceof ApiError)) console.warn(err);
      }
    } finally {
      saveBtn.disabled = false;
      if (publishBtn) publishBtn.disabled = false;
    }
  }

  f.addEventListener('submit', (e) => {
    e.preventDefault();
    if (saveBtn.disabled) return;
    busy(async () => {
      const draft = await save();
      if (!draft) return;
      const ps = draft.problems || [];
      show(ps, `${ps.length} problem${ps.length === 1 ? '' : 's'} to fix before publishing:`);
      clear(status, ps.length ? `Draft saved at ${when(draft.updated_at)}, with ${ps.length} problem${ps.length === 1 ? '' : 's'} to fix before publishing.` : `Draft saved at ${when(draft.updated_at)}.`);
      toast('Draft saved.');
    });
  });
  publishBtn?.addEventListener('click', () => busy(async () => {
    await save();
    show([], '');
    const v = await api('POST', `/api/v1/flows/${encodeURIComponent(flow.id)}/publish`, {});
    toast(`Published version ${v.version}.`);
    await navigate(`/flows/${flow.id}/versions/${v.version}`);
  }, 'Not published: fix the problems shown on the nodes.'));

  const title = flow ? flow.title : 'New flow';
  clear(main, pageHeader(title,
    flow ? versionBadge(flow) : null,
    flow ? h('a', { href: `/flows/${flow.id}/versions`, class: 'button' }, 'Versions') : null,
    flow ? startButton(flow) : null,
    flow && canEdit ? confirmButton('Delete', async () => {
      await api('DELETE', `/api/v1/flows/${encodeURIComponent(flow.id)}`, undefined, { headers: etag ? { 'If-Match': etag } : {} });
      toast('Flow deleted.');
      navigate('/flows');
    }, { confirm: 'Confirm: delete the flow' }) : null),
  canEdit ? null : message('info', 'You can read this flow but not change it.'),
  f);
  if (problems.length) show(problems, `${problems.length} problem${problems.length === 1 ? '' : 's'} to fix before publishing:`);
}

// ---------------------------------------------------------------- versions

route('/flows/:id/versions', async ({ main, params, signal }) => {
  const fid = encodeURIComponent(params.id);
  let flow;
  try {
    flow = await api('GET', `/api/v1/flows/${fid}`, undefined, { signal });
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 422)) return notFound(main);
    throw err;
  }
  clear(main, pageHeader(`Versions of ${flow.title}`, h('a', { href: `/flows/${flow.id}`, class: 'button' }, 'Edit the draft'), startButton(flow)),
    h('p', { class: 'muted' }, 'Each publication is a numbered version that never changes; a session follows the version it started on.'),
    list({
      path: `/api/v1/flows/${fid}/versions?limit=50`,
      caption: 'Published versions',
      empty: 'Not published yet: publish the draft from the editor.',
      columns: [
        { label: 'Version', cell: (v) => h('a', { href: `/flows/${flow.id}/versions/${v.version}` }, `Version ${v.version}`) },
        { label: 'Title', cell: (v) => v.title },
        { label: 'Kind', cell: (v) => v.kind },
        { label: 'Published', cell: (v) => when(v.published_at) },
      ],
    }));
});

route('/flows/:id/versions/:version', async ({ main, params, signal }) => {
  let v;
  try {
    v = await api('GET', `/api/v1/flows/${encodeURIComponent(params.id)}/versions/${encodeURIComponent(params.version)}`, undefined, { signal });
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 422)) {
      clear(main, pageHeader('Version not found'), message('error', 'This version does not exist, or you cannot see its flow.'),
        h('p', {}, h('a', { href: '/flows' }, 'Back to the library')));
      return;
    }
    throw err;
  }
  const nodes = fromGraph(v.graph);
  clear(main, pageHeader(`${v.title} — version ${v.version}`,
    h('a', { href: `/flows/${v.flow_id}/versions`, class: 'button' }, 'All versions'),
    h('a', { href: `/flows/${v.flow_id}`, class: 'button' }, 'Edit the draft')),
  h('p', { class: 'muted' }, `${v.kind}, published ${when(v.published_at)}. This version is read-only.`),
  v.description ? h('p', { class: 'flow-description' }, v.description) : null,
  h('section', { 'aria-labelledby': 'v-outline' }, h('h2', { id: 'v-outline' }, 'Outline'), h('div', { class: 'outline' }, outlineOf(nodes))),
  h('section', { 'aria-labelledby': 'v-nodes' }, h('h2', { id: 'v-nodes' }, 'Nodes'), readOnly(nodes)));
});

// ---------------------------------------------------------------- categories and tags

async function cataloguePage(main, signal) {
  const admin = atLeast('admin');
  const section = (what, path, bodyOf, columns) => {
    const box = h('div');
    const reload = () => box.firstChild?.reload?.();
    const table = list({
      path: `${path}?limit=100`,
      caption: `${what[0].toUpperCase()}${what.slice(1)}s`,
      empty: `No ${what}s yet.`,
      columns: [...columns,
        { label: 'Scope', cell: (x) => (x.global ? h('span', { class: 'badge' }, 'global, read-only') : h('span', { class: 'badge badge-ok' }, 'this tenant')) },
        ...(admin ? [{ label: 'Actions', cell: (x) => (x.global ? null : confirmButton('Delete', async () => {
          await api('DELETE', `${path}/${encodeURIComponent(x.id)}`);
          toast(`The ${what} is deleted.`);
          reload();
        }, { confirm: `Confirm: delete ${x.name}` })) }] : [])],
    });
    clear(box, table);
    if (!admin) return box;
    const nameID = `new-${what}-name`;
    const add = h('form', { class: 'form inline-form', 'aria-label': `New ${what}`, novalidate: true },
      h('div', { class: 'form-alert', role: 'alert' }),
      h('div', { class: 'field', dataset: { field: 'name' } }, h('label', { for: nameID }, `New ${what}`), h('input', { id: nameID, name: 'name', required: true })),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, `Add ${what}`)));
    add.addEventListener('submit', async (e) => {
      e.preventDefault();
      showErrors(add, null);
      try {
        await api('POST', path, bodyOf(add.elements.name.value));
        add.reset();
        toast(`The ${what} is added.`);
        reload();
      } catch (err) {
        showErrors(add, err);
      }
    });
    return h('div', {}, box, add);
  };
  clear(main, pageHeader('Categories and tags'),
    h('p', { class: 'muted' }, admin ? 'Global ones ship with the service and are read-only; add your tenant\'s own.' : 'Admins add the tenant\'s own categories and tags.'),
    h('h2', {}, 'Categories'), section('category', '/api/v1/flow-categories', (name) => ({ name }), [{ label: 'Name', cell: (c) => c.name }]),
    h('h2', {}, 'Tags'), section('tag', '/api/v1/flow-tags', (name) => ({ name }), [{ label: 'Name', cell: (t) => t.name }]));
  if (signal.aborted) return;
}
