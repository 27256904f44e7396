// The flow graph as forms: one card per node (its type, title, text and the fields of its type:
// options with their targets, rules, input fields…), the outline of which option leads where, and
// the mapping of validation problems (draft problems and publish errors, both naming
// "nodes[i].options[j].next") onto the card and the control they belong to.

import { h, clear, id } from '../../lib.js';

export const nodeTypes = [
  { value: 'question', label: 'Question (answers lead on)' },
  { value: 'instruction', label: 'Instruction (a step to do)' },
  { value: 'input', label: 'Input (fields to fill in)' },
  { value: 'logic', label: 'Logic (routes on variables)' },
  { value: 'subflow', label: 'Sub-flow (another flow)' },
  { value: 'link', label: 'Link (a page to read)' },
  { value: 'resolution', label: 'Resolution (the end)' },
];
const outcomes = ['resolved', 'escalated', 'unresolved'];
const ops = [
  ['eq', 'equals'], ['ne', 'differs from'], ['lt', 'less than'], ['le', 'at most'], ['gt', 'greater than'],
  ['ge', 'at least'], ['contains', 'contains'], ['empty', 'is empty'], ['not_empty', 'is not empty'],
];
const fieldTypes = ['string', 'number', 'boolean', 'choice'];

// freshID returns the first prefix-N not in taken.
function freshID(prefix, taken) {
  for (let i = 1; ; i += 1) if (!taken.includes(`${prefix}${i}`)) return `${prefix}${i}`;
}

// newNode is an empty node of a type with an id no other node has.
export function newNode(nodes, type = 'question') {
  const n = { id: freshID('node-', nodes.map((x) => x.id)), type, title: '' };
  return withTypeFields(n);
}

// withTypeFields gives a node the (empty) fields its type needs.
function withTypeFields(n) {
  if (n.type === 'question' && !n.options) n.options = [{ id: 'opt-1', label: '', next: '' }];
  if (n.type === 'input' && !n.fields) n.fields = [{ name: '', label: '', type: 'string' }];
  if (n.type === 'logic' && !n.rules) n.rules = [{ variable: '', op: 'eq', value: '', next: '' }];
  if (n.type === 'resolution' && !n.outcome) n.outcome = 'resolved';
  return n;
}

// starter is the graph of a new flow: a question with two answers, each leading to a resolution.
export function starter() {
  return [
    { id: 'start', type: 'question', title: '', start: true, options: [
      { id: 'yes', label: 'Yes', next: 'fixed' }, { id: 'no', label: 'No', next: 'escalate' }] },
    { id: 'fixed', type: 'resolution', title: 'Resolved', outcome: 'resolved' },
    { id: 'escalate', type: 'resolution', title: 'Escalate', outcome: 'escalated' },
  ];
}

// typed reads a rule's value as the type of the variable an input field defines.
function typed(nodes, variable, raw) {
  let type = 'string';
  for (const n of nodes) for (const f of n.fields || []) if (f.name === variable) type = f.type;
  if (type === 'number' && raw !== '' && !Number.isNaN(Number(raw))) return Number(raw);
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}

// toGraph is the API's graph of the edited nodes: each node with the fields of its type only.
export function toGraph(nodes) {
  return {
    nodes: nodes.map((n) => {
      const out = { id: n.id, type: n.type, title: n.title || '' };
      if (n.body) out.body = n.body;
      if (n.start) out.start = true;
      switch (n.type) {
        case 'question':
          out.options = (n.options || []).map((o) => ({ id: o.id, label: o.label || '', next: o.next || '' }));
          break;
        case 'instruction':
          if (n.command) out.command = n.command;
          break;
        case 'input':
          out.fields = (n.fields || []).map((f) => {
            const x = { name: f.name || '', label: f.label || '', type: f.type || 'string' };
            if (f.required) x.required = true;
            if (f.type === 'choice') x.choices = f.choices || [];
            return x;
          });
          break;
        case 'logic':
          out.rules = (n.rules || []).map((r) => {
            const x = { variable: r.variable || '', op: r.op || 'eq', next: r.next || '' };
            if (r.op !== 'empty' && r.op !== 'not_empty') x.value = typed(nodes, r.variable, r.value ?? '');
            return x;
          });
          if (n.default) out.default = n.default;
          break;
        case 'subflow':
          if (n.flow_id) out.flow_id = n.flow_id;
          break;
        case 'link':
          if (n.url) out.url = n.url;
          break;
        case 'resolution':
          out.outcome = n.outcome || '';
          break;
        default:
      }
      if (['instruction', 'input', 'subflow', 'link'].includes(n.type) && n.next) out.next = n.next;
      return out;
    }),
  };
}

// fromGraph copies an API graph into editable nodes (rule values as text).
export function fromGraph(graph) {
  return (graph?.nodes || []).map((n) => {
    const x = structuredClone(n);
    for (const r of x.rules || []) r.value = r.value == null ? '' : String(r.value);
    return x;
  });
}

// ---------------------------------------------------------------- the editor's cards

// control builds a labelled input bound to obj[key]; path is its graph path (data-gfield), for
// the problems. kind: text, textarea, select (choices [{value,label}]), checkbox, url.
function control(label, obj, key, path, opts = {}) {
  const cid = id('g');
  let el;
  const common = { id: cid, name: path, dataset: { gpath: path } };
  if (opts.kind === 'textarea') {
    el = h('textarea', { ...common, rows: opts.rows || 3, value: obj[key] ?? '' });
  } else if (opts.kind === 'select') {
    el = h('select', { ...common, class: opts.targets ? 'target-select' : null, value: obj[key] ?? '' },
      opts.choices.map((c) => h('option', { value: c.value }, c.label)));
    el.value = obj[key] ?? '';
  } else if (opts.kind === 'checkbox') {
    el = h('input', { ...common, type: 'checkbox', checked: !!obj[key] });
  } else {
    el = h('input', { ...common, type: opts.kind === 'url' ? 'url' : 'text', value: obj[key] ?? '', placeholder: opts.placeholder });
  }
  el.addEventListener(opts.kind === 'select' || opts.kind === 'checkbox' ? 'change' : 'input', () => {
    obj[key] = opts.kind === 'checkbox' ? el.checked : el.value;
    opts.onchange?.();
  });
  const cls = ['field', opts.kind === 'checkbox' && 'field-check', opts.class];
  if (opts.kind === 'checkbox') {
    return h('div', { class: cls, dataset: { gfield: path } }, el, h('label', { for: cid }, label));
  }
  return h('div', { class: cls, dataset: { gfield: path } }, h('label', { for: cid }, label), el);
}

// targetChoices are the nodes an edge may lead to, for a target select.
function targetChoices(nodes) {
  return [{ value: '', label: '— choose the next node —' },
    ...nodes.map((n) => ({ value: n.id, label: nodeName(n) }))];
}

// nodeName is how a node is named in selects and the outline: its id and title.
export function nodeName(n) {
  return n.title ? `${n.id} — ${n.title}` : n.id;
}

// editor builds the graph editor over nodes (edited in place). opts: flows (published flows for
// sub-flow nodes, [{id,title}]), disabled. It returns the element; el.refresh() redraws it.
export function editor(nodes, opts = {}) {
  const list = h('ol', { class: 'node-list' });
  const outline = h('div', { class: 'outline' });
  const box = h('div', { class: 'graph-editor' },
    h('div', { class: 'graph-alert', role: 'alert' }),
    list,
    h('div', { class: 'actions' },
      h('label', { for: 'new-node-type', class: 'inline-label' }, 'New node of type'),
      h('select', { id: 'new-node-type', class: 'inline-select' }, nodeTypes.map((t) => h('option', { value: t.value }, t.label))),
      h('button', {
        type: 'button', id: 'add-node', disabled: opts.disabled,
        onclick: () => {
          const type = box.querySelector('#new-node-type').value;
          nodes.push(newNode(nodes, type));
          redraw();
          list.lastElementChild?.querySelector('input[data-gpath$=".title"]')?.focus();
        },
      }, 'Add node')),
    h('section', { class: 'outline-box', 'aria-labelledby': 'outline-title' }, h('h2', { id: 'outline-title' }, 'Outline'), outline));

  function refreshTargets() {
    const choices = targetChoices(nodes);
    for (const sel of box.querySelectorAll('select.target-select')) {
      const v = sel.value;
      sel.replaceChildren(...choices.map((c) => h('option', { value: c.value }, c.label)));
      if (v && !nodes.some((n) => n.id === v)) sel.append(h('option', { value: v }, `${v} (no such node)`));
      sel.value = v;
    }
    clear(outline, outlineOf(nodes));
  }

  function redraw() {
    clear(list, nodes.map((n, i) => card(n, i)));
    refreshTargets();
    if (opts.disabled) box.querySelectorAll('input, select, textarea, button').forEach((e) => { e.disabled = true; });
  }

  function card(n, i) {
    const p = (s) => `nodes[${i}]${s ? `.${s}` : ''}`;
    const headingID = id('node-h');
    const typeSel = control('Type', n, 'type', p('type'), {
      kind: 'select', choices: nodeTypes,
      onchange: () => {
        for (const k of ['options', 'fields', 'rules', 'default', 'command', 'flow_id', 'url', 'outcome', 'next']) delete n[k];
        withTypeFields(n);
        redraw();
        list.children[i]?.querySelector('select[data-gpath$=".type"]')?.focus();
      },
    });
    const startID = id('start');
    const start = h('div', { class: 'field field-check', dataset: { gfield: p('start') } },
      h('input', {
        type: 'radio', name: 'flow-start', id: startID, checked: !!n.start,
        onchange: () => { nodes.forEach((x) => { x.start = x === n; }); clear(outline, outlineOf(nodes)); },
      }),
      h('label', { for: startID }, 'The flow starts here'));
    return h('li', { class: ['node-card', `node-${n.type}`], dataset: { gfield: p(''), node: n.id }, 'aria-labelledby': headingID },
      h('div', { class: 'node-head' },
        h('h3', { id: headingID }, `Node ${i + 1}`, h('span', { class: 'badge' }, n.type)),
        h('div', { class: 'node-moves' },
          i > 0 && h('button', { type: 'button', class: 'small', 'aria-label': `Move node ${i + 1} up`, onclick: () => move(i, -1) }, 'Up'),
          i < nodes.length - 1 && h('button', { type: 'button', class: 'small', 'aria-label': `Move node ${i + 1} down`, onclick: () => move(i, 1) }, 'Down'),
          h('button', {
            type: 'button', class: 'small danger', 'aria-label': `Remove node ${i + 1}`,
            onclick: () => { nodes.splice(i, 1); redraw(); box.querySelector('#add-node')?.focus(); },
          }, 'Remove'))),
      h('div', { class: 'node-errors' }),
      h('div', { class: 'node-grid' },
        control('Node id', n, 'id', p('id'), { onchange: refreshTargets, class: 'narrow' }),
        typeSel, start),
      control(n.type === 'question' ? 'Question' : 'Title', n, 'title', p('title'), { onchange: refreshTargets }),
      control('Text (details for the technician)', n, 'body', p('body'), { kind: 'textarea', rows: 2 }),
      typeFields(n, i, p));
  }

  function move(i, d) {
    const [x] = nodes.splice(i, 1);
    nodes.splice(i + d, 0, x);
    redraw();
    list.children[i + d]?.querySelector('.node-moves button')?.focus();
  }

  function target(obj, key, path, label = 'Leads to') {
    return control(label, obj, key, path, { kind: 'select', choices: targetChoices(nodes), targets: true });
  }

  // items renders a list of sub-items (options, rules, fields) with add and remove buttons.
  function items(n, key, path, what, fresh, row) {
    const arr = n[key] || (n[key] = []);
    const legend = `${what[0].toUpperCase()}${what.slice(1)}s`;
    return h('fieldset', { class: 'items', dataset: { gfield: path } },
      h('legend', {}, legend),
      h('div', { class: 'node-errors' }),
      h('ol', {}, arr.map((x, j) => h('li', { class: 'item' }, row(x, j),
        h('button', {
          type: 'button', class: 'small danger', 'aria-label': `Remove ${what} ${j + 1}`,
          onclick: () => { arr.splice(j, 1); redraw(); },
        }, 'Remove')))),
      h('button', {
        type: 'button', class: 'small add-item',
        onclick: () => {
          arr.push(fresh(arr));
          redraw();
          const items = box.querySelector(`[data-gfield="${CSS.escape(path)}"] ol`);
          items?.lastElementChild?.querySelector('input, select')?.focus();
        },
      }, `Add ${what}`));
  }

  function typeFields(n, i, p) {
    switch (n.type) {
      case 'question':
        return items(n, 'options', p('options'), 'answer',
          (arr) => ({ id: freshID('opt-', arr.map((o) => o.id)), label: '', next: '' }),
          (o, j) => h('div', { class: 'item-grid' },
            control('Answer', o, 'label', p(`options[${j}].label`)),
            control('Answer id', o, 'id', p(`options[${j}].id`), { class: 'narrow' }),
            target(o, 'next', p(`options[${j}].next`))));
      case 'instruction':
        return [control('Command to copy (optional)', n, 'command', p('command'), { kind: 'textarea', rows: 2, class: 'mono' }), target(n, 'next', p('next'))];
      case 'input':
        return [items(n, 'fields', p('fields'), 'field', () => ({ name: '', label: '', type: 'string' }),
          (f, j) => h('div', { class: 'item-grid' },
            control('Label', f, 'label', p(`fields[${j}].label`)),
            control('Variable name', f, 'name', p(`fields[${j}].name`), { class: 'narrow' }),
            control('Type', f, 'type', p(`fields[${j}].type`), { kind: 'select', choices: fieldTypes.map((t) => ({ value: t, label: t })), onchange: redraw }),
            f.type === 'choice' && choicesField(f, p(`fields[${j}].choices`)),
            control('Required', f, 'required', p(`fields[${j}].required`), { kind: 'checkbox' }))),
        target(n, 'next', p('next'))];
      case 'logic':
        return [items(n, 'rules', p('rules'), 'rule', () => ({ variable: '', op: 'eq', value: '', next: '' }),
          (r, j) => h('div', { class: 'item-grid' },
            control('Variable', r, 'variable', p(`rules[${j}].variable`)),
            control('Comparison', r, 'op', p(`rules[${j}].op`), { kind: 'select', choices: ops.map(([v, l]) => ({ value: v, label: l })) }),
            control('Value', r, 'value', p(`rules[${j}].value`)),
            target(r, 'next', p(`rules[${j}].next`)))),
        target(n, 'default', p('default'), 'Otherwise leads to')];
      case 'subflow':
        return [control('Flow to open', n, 'flow_id', p('flow_id'), {
          kind: 'select',
          choices: [{ value: '', label: '— choose a published flow —' }, ...(opts.flows || []).map((f) => ({ value: f.id, label: f.title })),
            ...(n.flow_id && !(opts.flows || []).some((f) => f.id === n.flow_id) ? [{ value: n.flow_id, label: n.flow_id }] : [])],
        }), target(n, 'next', p('next'), 'Then leads to')];
      case 'link':
        return [control('Address (http or https)', n, 'url', p('url'), { kind: 'url', placeholder: 'https://' }), target(n, 'next', p('next'))];
      case 'resolution':
        return control('Outcome', n, 'outcome', p('outcome'), { kind: 'select', choices: outcomes.map((o) => ({ value: o, label: o })) });
      default:
        return null;
    }
  }

  function choicesField(f, path) {
    const holder = { text: (f.choices || []).join('\n') };
    return control('Choices (one a line)', holder, 'text', path, {
      kind: 'textarea', rows: 3,
      onchange: () => { f.choices = holder.text.split('\n').map((s) => s.trim()).filter(Boolean); },
    });
  }

  // Every edit redraws the outline (the control's own listener has updated the node first).
  const redrawOutline = () => clear(outline, outlineOf(nodes));
  box.addEventListener('input', redrawOutline);
  box.addEventListener('change', redrawOutline);
  box.refresh = redraw;
  redraw();
  return box;
}

// ---------------------------------------------------------------- problems on the nodes

// normalize turns a publish error ({location: "body.graph.nodes[1].next", message: 'node "x": …'})
// or a draft problem ({field: "nodes[1].next", node_id, message}) into {path, message}.
export function normalize(p) {
  const path = String(p.location ?? p.field ?? '').replace(/^body\.graph\./, '').replace(/^body\./, '');
  return { path, message: p.message || '' };
}

// parent is the path one level up: nodes[1].options[0].next → nodes[1].options[0] → nodes[1].options → nodes[1] → ''.
function parent(path) {
  const m = /^(.*)(\.[A-Za-z_]+|\[\d+\])$/.exec(path);
  return m ? m[1] : '';
}

// showProblems puts problems on the graph editor, after clearing the old ones: each on the control
// of its path, or else on the closest card or list that holds it; the editor's alert sums them up
// (each a button to its control) with those of the graph as a whole.
export function showProblems(box, problems, summary) {
  box.querySelectorAll('.field-error').forEach((e) => e.remove());
  box.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  box.querySelectorAll('.has-problems').forEach((e) => e.classList.remove('has-problems'));
  const alert = box.querySelector('.graph-alert');
  clear(alert);
  if (!problems.length) return;
  const links = [];
  for (const raw of problems) {
    const { path, message } = normalize(raw);
    let p = path;
    let target = null;
    while (p && !(target = box.querySelector(`[data-gfield="${CSS.escape(p)}"]`))) p = parent(p);
    if (!target || p === 'nodes') { links.push({ message }); continue; }
    const eid = id('err');
    const msg = h('p', { class: 'field-error', id: eid }, message);
    const ctl = p === path ? target.querySelector(':scope > input, :scope > select, :scope > textarea') : null;
    if (ctl) {
      ctl.setAttribute('aria-invalid', 'true');
      ctl.setAttribute('aria-describedby', [ctl.getAttribute('aria-describedby'), eid].filter(Boolean).join(' '));
      target.append(msg);
    } else {
      (target.querySelector(':scope > .node-errors') || target).append(msg);
    }
    target.closest('.node-card')?.classList.add('has-problems');
    links.push({ message, focus: ctl || target.closest('.node-card')?.querySelector('input, select, textarea') });
  }
  clear(alert, h('p', {}, summary),
    h('ul', {}, links.map((l) => h('li', {}, l.focus
      ? h('button', { type: 'button', class: 'link', onclick: () => l.focus.focus() }, l.message)
      : l.message))));
}

// ---------------------------------------------------------------- read-only views

// outlineOf lists the nodes and where each leads, as nested lists of text.
export function outlineOf(nodes) {
  if (!nodes.length) return h('p', { class: 'muted' }, 'No nodes yet.');
  const name = (idv) => {
    if (!idv) return h('span', { class: 'missing' }, 'no target yet');
    const t = nodes.find((n) => n.id === idv);
    return t ? nodeName(t) : h('span', { class: 'missing' }, `${idv} (no such node)`);
  };
  return h('ul', { class: 'outline-list' }, nodes.map((n) => {
    const leads = [];
    switch (n.type) {
      case 'question':
        for (const o of n.options || []) leads.push([`“${o.label || o.id}”`, name(o.next)]);
        break;
      case 'logic':
        for (const r of n.rules || []) leads.push([`if ${r.variable} ${r.op}${r.value !== '' && r.value != null ? ` ${r.value}` : ''}`, name(r.next)]);
        leads.push(['otherwise', name(n.default)]);
        break;
      case 'resolution':
        break;
      default:
        leads.push(['next', name(n.next)]);
    }
    return h('li', {},
      h('span', { class: 'outline-node' }, n.start && h('span', { class: 'badge badge-ok' }, 'start'), ' ', nodeName(n), ' ',
        h('span', { class: 'muted' }, `(${n.type}${n.type === 'resolution' && n.outcome ? `: ${n.outcome}` : ''})`)),
      leads.length ? h('ul', {}, leads.map(([what, to]) => h('li', {}, what, ' → ', to))) : null);
  }));
}

// readOnly shows a graph's nodes with all their text, for a published version.
export function readOnly(nodes) {
  return h('ol', { class: 'node-list read-only' }, nodes.map((n) => h('li', { class: ['node-card', `node-${n.type}`], dataset: { node: n.id } },
    h('div', { class: 'node-head' }, h('h3', {}, nodeName(n), ' ', h('span', { class: 'badge' }, n.type)),
      n.start && h('span', { class: 'badge badge-ok' }, 'start')),
    n.body && h('p', { class: 'node-body' }, n.body),
    n.command && h('pre', { class: 'mono' }, n.command),
    n.url && h('p', {}, 'Address: ', h('span', { class: 'mono' }, n.url)),
    n.outcome && h('p', {}, 'Outcome: ', n.outcome),
    n.options?.length ? h('ul', {}, n.options.map((o) => h('li', {}, `“${o.label}” → ${o.next || '—'}`))) : null,
    n.fields?.length ? h('ul', {}, n.fields.map((f) => h('li', {}, `${f.label} (${f.name}, ${f.type}${f.required ? ', required' : ''})`,
      f.choices?.length ? `: ${f.choices.join(', ')}` : ''))) : null,
    n.rules?.length ? h('ul', {}, n.rules.map((r) => h('li', {}, `if ${r.variable} ${r.op} ${r.value ?? ''} → ${r.next}`))) : null,
    n.default && h('p', {}, `Otherwise → ${n.default}`),
    n.next && h('p', {}, `Next → ${n.next}`))));
}
