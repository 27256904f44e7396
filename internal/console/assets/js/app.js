// The console's shell: the header (tenant, user, sign out), the navigation and the page area. Each
// page module registers its routes (lib.route) and navigation entries (nav) when imported below.

import {
  h, clear, session, atLeast, renew, signOut, match, newPage, startRouter, navigate, api, useSession,
  cookieSession, errorText, message,
} from './lib.js';
import { navItems } from './nav.js';
import './pages/auth.js';
import './pages/home.js';
import './pages/flows.js';
import './pages/parking.js';
import './pages/runner.js';
import './pages/platform.js';

const top = document.getElementById('top');
const nav = document.getElementById('nav');
const main = document.getElementById('main');

// tenantSwitcher lets a member of several tenants move between them (a new session in the other).
function tenantSwitcher() {
  const me = session.me;
  const ms = me?.memberships || [];
  if (ms.length < 2) return h('span', { class: 'tenant-name' }, session.tenant?.name || '');
  const select = h('select', { id: 'tenant-switch', 'aria-label': 'Tenant', value: session.tenant?.id || '' },
    ms.map((m) => h('option', { value: m.tenant.id }, `${m.tenant.name} (${m.role})`)));
  select.addEventListener('change', async () => {
    try {
      await useSession(await api('POST', '/api/v1/auth/switch-tenant', { tenant_id: select.value }, { headers: cookieSession }));
      navigate('/', { replace: true });
    } catch (err) {
      alertIn(main, err);
    }
  });
  return select;
}

function alertIn(el, err) {
  el.prepend(message('error', errorText(err)));
}

function renderChrome(path, bare) {
  document.body.classList.toggle('bare', bare);
  if (bare || !session.signedIn) {
    clear(top, h('a', { href: '/', class: 'brand' }, 'Tenantry'));
    clear(nav);
    return;
  }
  clear(top,
    h('a', { href: '/', class: 'brand' }, 'Tenantry'),
    h('div', { class: 'who' },
      tenantSwitcher(),
      h('a', { href: '/account', class: 'user' }, session.me?.user?.name || 'Account'),
      h('button', { type: 'button', id: 'sign-out', onclick: async () => { await signOut(); navigate('/sign-in'); } }, 'Sign out')));
  const sections = new Map();
  for (const item of navItems()) {
    if (item.role && !atLeast(item.role)) continue;
    if (!sections.has(item.section)) sections.set(item.section, []);
    sections.get(item.section).push(item);
  }
  clear(nav, [...sections].map(([section, items]) => h('div', { class: 'nav-section' },
    h('h2', {}, section),
    h('ul', {}, items.map((i) => h('li', {}, h('a', {
      href: i.href, 'aria-current': path === i.href || path.startsWith(`${i.href}/`) ? 'page' : null,
    }, i.label)))))));
}

let booted = false;

async function render() {
  const signal = newPage();
  const path = location.pathname;
  const found = match(path);
  if (!booted) {
    booted = true;
    if (!found?.route.public || found?.route.tryRenew) await renew(); // a reload keeps the session
  }
  if (found && !found.route.public && !session.signedIn) {
    const next = path === '/' ? '' : `?next=${encodeURIComponent(path + location.search)}`;
    return navigate(`/sign-in${next}`, { replace: true });
  }
  renderChrome(path, !!found?.route.bare || !session.signedIn);
  clear(main);
  if (!found) {
    document.title = 'Not found · Tenantry';
    clear(main, h('div', { class: 'page-header' }, h('h1', {}, 'Page not found')),
      h('p', {}, 'There is no page at this address. '), h('p', {}, h('a', { href: '/' }, 'Go to the start page')));
    return;
  }
  const ctx = { params: found.params, query: new URLSearchParams(location.search), main, signal };
  try {
    const out = await found.route.render(ctx);
    if (out instanceof Node || Array.isArray(out)) clear(main, out);
  } catch (err) {
    if (signal.aborted) return;
    clear(main, h('div', { class: 'page-header' }, h('h1', {}, err?.status === 404 ? 'Not found' : 'Something went wrong')),
      message('error', errorText(err)));
  }
  if (!signal.aborted) {
    const heading = main.querySelector('h1');
    if (heading && document.activeElement === document.body) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
  }
}

session.onChange(() => renderChrome(location.pathname, document.body.classList.contains('bare')));
startRouter(render);
