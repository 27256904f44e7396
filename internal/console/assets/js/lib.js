// The console's building blocks: DOM construction without HTML strings, the API client (the access
// token lives in memory only; the refresh token is an HttpOnly cookie), the router, forms that show
// problem+json errors on their fields, and paginated lists. Pages import what they need from here.

// ---------------------------------------------------------------- DOM

const urlAttrs = new Set(['href', 'src', 'action', 'formaction']);
const safeURL = /^(\/(?!\/)|#|https?:|blob:|mailto:|data:image\/)/i;

// h builds an element. attrs: class (string or array), dataset, on<event> functions, value and
// checked (set as properties), boolean true as an empty attribute, null/false omitted; URL
// attributes accept only same-origin paths and http(s), blob and mailto URLs. children: nodes,
// strings (always text, never markup), numbers, arrays; null and false are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  attrs = attrs || {};
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false || k === 'value' || k === 'checked') continue;
    if (k.startsWith('on')) {
      if (typeof v !== 'function') throw new Error(`h: ${k} must be a function`);
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (urlAttrs.has(k) && !safeURL.test(String(v))) {
      continue; // a javascript: or unknown-scheme URL is dropped
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  if (attrs.value != null) el.value = attrs.value; // after the children: a select's options exist
  if (attrs.checked != null) el.checked = !!attrs.checked;
  return el;
}

// append adds children to el, as h does.
export function append(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// clear empties el and appends children.
export function clear(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let uid = 0;
// id returns a unique element id with the prefix.
export function id(prefix = 'el') {
  uid += 1;
  return `${prefix}-${uid}`;
}

// ---------------------------------------------------------------- session and API

let access = null; // {token, expiresAt (ms), tenantId, role}
let me = null; // GET /api/v1/me: {user, current, memberships}
let renewTimer = 0;
const changeListeners = new Set();

// session is the signed-in state: the user, the current tenant and role, the memberships.
export const session = {
  get signedIn() { return access != null; },
  get me() { return me; },
  get role() { return me?.current?.role || access?.role || ''; },
  get tenant() { return me?.current?.tenant || null; },
  onChange(f) { changeListeners.add(f); return () => changeListeners.delete(f); },
};

const ranks = { viewer: 1, operator: 2, admin: 3, owner: 4 };
// atLeast reports whether the current role is at least role (the server decides; the console only
// hides what would be refused).
export function atLeast(role) {
  return (ranks[session.role] || 0) >= (ranks[role] || 0);
}

// ApiError is a failed API call: the status and the problem+json body.
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `request failed (${status})`);
    this.status = status;
    this.problem = problem || {};
  }
  // fieldErrors are the problem's field errors: [{location, message}].
  get fieldErrors() { return Array.isArray(this.problem.errors) ? this.problem.errors : []; }
}

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)tenantry_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : '';
}

async function send(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json, application/problem+json', ...(opts.headers || {}) };
  let payload;
  if (body instanceof Blob) {
    payload = body;
    headers['Content-Type'] = body.type || 'application/octet-stream';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  if (access && opts.auth !== false) headers.Authorization = `Bearer ${access.token}`;
  return fetch(path, { method, headers, body: payload, credentials: 'same-origin', signal: opts.signal, cache: 'no-store' });
}

async function decode(res) {
  if (res.status === 204 || res.status === 205) return null;
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : null;
  if (!res.ok) throw new ApiError(res.status, data || { title: res.statusText });
  return data;
}

// api calls the API and returns the decoded JSON (null for 204), or throws an ApiError. An expired
// access token is renewed once through the refresh cookie. opts: headers, signal, auth (false: send
// no token), raw (true: return the Response itself).
export async function api(method, path, body, opts = {}) {
  let res = await send(method, path, body, opts);
  if (res.status === 401 && access && opts.auth !== false && await renew()) {
    res = await send(method, path, body, opts);
  }
  if (opts.raw) {
    if (!res.ok) await decode(res);
    return res;
  }
  return decode(res);
}

// useSession adopts a session answer (access_token, expires_at, tenant_id, role) and loads the
// user. A refresh_token in the answer is never kept: the console asks for the cookie.
export async function useSession(s) {
  access = { token: s.access_token, expiresAt: Date.parse(s.expires_at) || Date.now() + 60000, tenantId: s.tenant_id, role: s.role };
  clearTimeout(renewTimer);
  const wait = Math.max(5000, access.expiresAt - Date.now() - 60000);
  renewTimer = setTimeout(() => { renew(); }, wait);
  me = await api('GET', '/api/v1/me');
  changeListeners.forEach((f) => f());
}

function forget() {
  access = null;
  me = null;
  clearTimeout(renewTimer);
  changeListeners.forEach((f) => f());
}

// cookieSession is the header that asks the API to put the refresh token in its HttpOnly cookie.
export const cookieSession = { 'X-Tenantry-Refresh': 'cookie' };

let renewing = null;
// renew exchanges the refresh cookie for a new session (one exchange at a time); false when there
// is no valid cookie.
export function renew() {
  if (!renewing) {
    renewing = (async () => {
      try {
        const res = await send('POST', '/api/v1/auth/refresh', {}, {
          auth: false, headers: { ...cookieSession, 'X-CSRF-Token': csrfToken() },
        });
        if (!res.ok) { forget(); return false; }
        await useSession(await res.json());
        return true;
      } catch {
        forget();
        return false;
      } finally {
        renewing = null;
      }
    })();
  }
  return renewing;
}

// signOut ends the session on the server (clearing the cookies) and here.
export async function signOut() {
  try {
    await send('POST', '/api/v1/auth/logout', {}, { auth: false, headers: { ...cookieSession, 'X-CSRF-Token': csrfToken() } });
  } finally {
    forget();
  }
}

// ---------------------------------------------------------------- router

const routes = [];
let pageAbort = null;
let renderHook = null;

// route registers a page. pattern: "/flows/:id"; render(ctx) fills ctx.main (or returns nodes)
// where ctx = {params, query, main, signal}; signal aborts when the user leaves the page (stop
// timers and streams with it). opts: public (no sign-in needed), title, bare (no navigation shell).
export function route(pattern, render, opts = {}) {
  const keys = [];
  const re = new RegExp('^' + pattern.replace(/\/:([a-z_]+)/g, (_, k) => { keys.push(k); return '/([^/]+)'; }) + '/?$');
  routes.push({ pattern, re, keys, render, ...opts });
}

// match finds the route of a path.
export function match(path) {
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      const params = {};
      r.keys.forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]); });
      return { route: r, params };
    }
  }
  return null;
}

// navigate shows path (pushed on the history unless replace).
export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  return renderHook?.();
}

// startRouter renders the current URL with render and follows links and history from then on.
export function startRouter(render) {
  renderHook = render;
  window.addEventListener('popstate', () => render());
  document.addEventListener('click', (e) => {
    const a = e.target.closest?.('a');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
    if ((a.getAttribute('href') || '').startsWith('#')) return; // in-page links (skip to content)
    if (/^\/(api|docs|openapi|health)(\/|$|\.)/.test(a.pathname)) return;
    e.preventDefault();
    navigate(a.pathname + a.search + a.hash);
  });
  return render();
}

// newPage aborts the previous page's work and returns the signal of the next one.
export function newPage() {
  pageAbort?.abort();
  pageAbort = new AbortController();
  return pageAbort.signal;
}

// ---------------------------------------------------------------- forms

// field builds a labelled control. f: {name, label, type (text, email, password, number, textarea,
// select, checkbox, datetime-local...), value, required, options [{value, label}] for selects,
// help, autocomplete, min, max, minlength, maxlength, pattern, placeholder, rows}.
export function field(f) {
  const inputId = id(`f-${f.name}`);
  const helpId = f.help ? `${inputId}-help` : null;
  const common = {
    id: inputId, name: f.name, required: !!f.required, autocomplete: f.autocomplete,
    'aria-describedby': helpId, placeholder: f.placeholder, disabled: !!f.disabled,
  };
  let control;
  if (f.type === 'textarea') {
    control = h('textarea', { ...common, rows: f.rows || 4, maxlength: f.maxlength, value: f.value ?? '' });
  } else if (f.type === 'select') {
    control = h('select', { ...common, value: f.value ?? '' },
      (f.options || []).map((o) => h('option', { value: o.value }, o.label ?? o.value)));
  } else if (f.type === 'checkbox') {
    control = h('input', { ...common, type: 'checkbox', checked: !!f.value });
    return h('div', { class: 'field field-check', dataset: { field: f.name } }, control,
      h('label', { for: inputId }, f.label), f.help && h('p', { class: 'help', id: helpId }, f.help));
  } else {
    control = h('input', {
      ...common, type: f.type || 'text', value: f.value ?? '', min: f.min, max: f.max, step: f.step,
      minlength: f.minlength, maxlength: f.maxlength, pattern: f.pattern,
    });
  }
  return h('div', { class: 'field', dataset: { field: f.name } },
    h('label', { for: inputId }, f.label, f.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    control, f.help && h('p', { class: 'help', id: helpId }, f.help));
}

// values reads a form's named controls: checkboxes as booleans, numbers as numbers, empty optional
// fields omitted.
export function values(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.type === 'number') { if (el.value !== '') out[el.name] = Number(el.value); }
    else if (el.value !== '' || el.required) out[el.name] = el.value;
  }
  return out;
}

// showErrors puts a failed request's problem on the form: each field error under its field (the
// field whose data-field is the location without "body." — "user.email" — or else its last name,
// "email"), the rest in the form's alert. Clears old ones.
export function showErrors(form, err) {
  form.querySelectorAll('.field-error').forEach((e) => e.remove());
  form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  const alert = form.querySelector('.form-alert');
  if (!err) { if (alert) clear(alert); return; }
  const rest = [];
  const list = err instanceof ApiError ? err.fieldErrors : [];
  for (const fe of list) {
    const path = String(fe.location || '').replace(/^body\./, '');
    const name = path.split('.').pop();
    const box = (path && form.querySelector(`[data-field="${CSS.escape(path)}"]`)) ||
      (name && form.querySelector(`[data-field="${CSS.escape(name)}"]`));
    if (!box) { rest.push(fe.message); continue; }
    const control = box.querySelector('input, select, textarea');
    const eid = id('err');
    control?.setAttribute('aria-invalid', 'true');
    control?.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), eid].filter(Boolean).join(' '));
    box.append(h('p', { class: 'field-error', id: eid }, fe.message));
  }
  if (alert) {
    const msg = list.length && !rest.length ? 'Please correct the highlighted fields.' : errorText(err);
    clear(alert, h('p', {}, msg), rest.length ? h('ul', {}, rest.map((m) => h('li', {}, m))) : null);
  }
}

// errorText is a sentence for an error: the problem's detail, or a generic one.
export function errorText(err) {
  if (err instanceof ApiError) {
    if (err.status === 403) return err.problem.detail || 'You are not allowed to do this.';
    if (err.status === 404) return 'Not found.';
    if (err.status === 429) return 'Too many requests; try again in a moment.';
    return err.problem.detail || err.problem.title || err.message;
  }
  return 'The server could not be reached. Check your connection and try again.';
}

// form builds a form of fields with a submit button; onSubmit(values, form) runs with the button
// disabled, and its ApiError is shown on the fields. opts: submit (label), extra (nodes before the
// button), class, label (accessible name).
export function form(fields, onSubmit, opts = {}) {
  const button = h('button', { type: 'submit', class: 'primary' }, opts.submit || 'Save');
  const f = h('form', { class: ['form', opts.class], 'aria-label': opts.label, novalidate: true },
    h('div', { class: 'form-alert', role: 'alert' }),
    fields.map((x) => (x instanceof Node ? x : field(x))),
    opts.extra, h('div', { class: 'actions' }, button, opts.actions));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    showErrors(f, null);
    try {
      await onSubmit(values(f), f);
    } catch (err) {
      showErrors(f, err);
      if (!(err instanceof ApiError)) console.warn(err);
    } finally {
      button.disabled = false;
    }
  });
  return f;
}

// ---------------------------------------------------------------- pieces

// when formats an RFC 3339 time for people, in their locale and zone.
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

// toast shows a short message in the page's live region.
export function toast(message) {
  const box = document.getElementById('toast');
  if (!box) return;
  clear(box, h('p', {}, message));
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => clear(box), 5000);
}

// copyButton copies text to the clipboard and says so.
export function copyButton(text, label = 'Copy') {
  return h('button', {
    type: 'button', class: 'copy',
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(text);
        toast('Copied to the clipboard.');
      } catch {
        toast('Copy failed: select the text and copy it by hand.');
      }
    },
  }, label);
}

// confirmButton asks for a second click before running action (no browser dialogs).
export function confirmButton(label, action, opts = {}) {
  const b = h('button', { type: 'button', class: ['danger', opts.class] }, label);
  let armed = false;
  b.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      b.textContent = opts.confirm || `Confirm: ${label.toLowerCase()}`;
      setTimeout(() => { armed = false; b.textContent = label; }, 4000);
      return;
    }
    b.disabled = true;
    try {
      await action();
    } catch (err) {
      toast(errorText(err));
    } finally {
      b.disabled = false;
      armed = false;
      b.textContent = label;
    }
  });
  return b;
}

// download fetches an API path with the user's token and saves the answer as a file.
export async function download(path, filename) {
  const res = await api('GET', path, undefined, { raw: true });
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: filename, class: 'hidden' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// pageHeader is a page's title and its actions.
export function pageHeader(title, ...actions) {
  document.title = `${title} · Tenantry`;
  return h('div', { class: 'page-header' }, h('h1', {}, title), h('div', { class: 'page-actions' }, actions));
}

// message is a notice in a page: kind info, error or success.
export function message(kind, ...text) {
  return h('div', { class: ['notice', `notice-${kind}`], role: kind === 'error' ? 'alert' : 'status' }, text);
}

// list shows a paginated API list as a table with a "Load more" button. opts: path (the list
// path, query included), columns [{label, cell: item => node or text}], empty (text), caption.
export function list(opts) {
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'more hidden' }, 'Load more');
  const status = h('p', { class: 'list-status', role: 'status' });
  const table = h('table', { class: 'list' },
    opts.caption && h('caption', {}, opts.caption),
    h('thead', {}, h('tr', {}, opts.columns.map((c) => h('th', { scope: 'col' }, c.label)))), tbody);
  let cursor = '';
  let count = 0;
  async function load() {
    more.disabled = true;
    try {
      const sep = opts.path.includes('?') ? '&' : '?';
      const page = await api('GET', opts.path + (cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''));
      for (const item of page.items || []) {
        tbody.append(h('tr', {}, opts.columns.map((c) => h('td', { dataset: { label: c.label } }, c.cell(item)))));
        count += 1;
      }
      cursor = page.next_cursor || '';
      more.classList.toggle('hidden', !cursor);
      clear(status, count === 0 ? (opts.empty || 'Nothing here yet.') : '');
      table.classList.toggle('hidden', count === 0);
    } catch (err) {
      clear(status, message('error', errorText(err)));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', load);
  const box = h('div', { class: 'list-box' }, table, status, more);
  box.reload = () => { cursor = ''; count = 0; tbody.replaceChildren(); return load(); };
  load();
  return box;
}

// eventStream reads a server-sent event stream from an API path with the user's token (fetch, not
// EventSource, which cannot send it) and calls onEvent({event, id, data}) until signal aborts.
export async function eventStream(path, onEvent, signal, headers = {}) {
  const res = await api('GET', path, undefined, { raw: true, signal, headers: { Accept: 'text/event-stream', ...headers } });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let cut;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const ev = { event: 'message', id: '', data: '' };
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const [k, ...v] = line.split(':');
        const val = v.join(':').replace(/^ /, '');
        if (k === 'event') ev.event = val;
        else if (k === 'id') ev.id = val;
        else if (k === 'data') ev.data += (ev.data ? '\n' : '') + val;
      }
      if (ev.data || ev.event !== 'message') onEvent(ev);
    }
  }
}
