// Signing in and out, registering, e-mail links (verification, invitations, password reset, address
// change) and the account page. Every session answer asks for the refresh token as a cookie.

import {
  h, clear, route, navigate, api, useSession, cookieSession, form, message, pageHeader, session, errorText,
  ApiError, toast,
} from '../lib.js';

const pub = { public: true, bare: true };

// next is where to go after signing in: the page the user asked for, never another origin.
function next(query) {
  const n = query.get('next') || '/';
  return n.startsWith('/') && !n.startsWith('//') ? n : '/';
}

async function signedIn(answer, query) {
  await useSession(answer);
  navigate(next(query), { replace: true });
}

route('/sign-in', async ({ main, query }) => {
  if (session.signedIn) return navigate(next(query), { replace: true });
  const box = h('div', { class: 'card' });
  const password = form([
    { name: 'email', label: 'E-mail', type: 'email', required: true, autocomplete: 'username' },
    { name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'current-password' },
    { name: 'tenant', label: 'Tenant (optional)', help: 'The short name of the tenant to open; empty: your first one.', autocomplete: 'organization' },
  ], async (v) => {
    const answer = await api('POST', '/api/v1/auth/login', v, { auth: false, headers: cookieSession });
    if (!answer.second_factor_required) return signedIn(answer, query);
    clear(box, h('h2', {}, 'Second factor'), secondFactor(answer.second_factor_token, query));
    box.querySelector('input')?.focus();
  }, { submit: 'Sign in', label: 'Sign in' });
  clear(box, password);
  clear(main, pageHeader('Sign in'), box,
    h('p', {}, h('a', { href: '/reset-password' }, 'Forgot your password?')),
    h('p', {}, 'No account yet? ', h('a', { href: '/register' }, 'Register a new tenant')));
}, { ...pub, tryRenew: true });

function secondFactor(token, query) {
  return form([
    { name: 'code', label: 'Code from your authenticator', autocomplete: 'one-time-code', help: 'Six digits; or leave empty and give a recovery code.' },
    { name: 'recovery_code', label: 'Recovery code', autocomplete: 'off' },
  ], async (v) => {
    const answer = await api('POST', '/api/v1/auth/login/second-factor', { second_factor_token: token, ...v },
      { auth: false, headers: cookieSession });
    await signedIn(answer, query);
  }, { submit: 'Continue', label: 'Second factor' });
}

route('/register', ({ main }) => {
  const done = h('div');
  const f = form([
    h('fieldset', {}, h('legend', {}, 'You'),
      formField('user.name', 'name', 'Your name', 'text', 'name'),
      formField('user.email', 'email', 'E-mail', 'email', 'email'),
      formField('user.password', 'password', 'Password', 'password', 'new-password', 'At least 12 characters.')),
    h('fieldset', {}, h('legend', {}, 'Your tenant'),
      formField('tenant.name', 'tenant_name', 'Organisation name', 'text', 'organization'),
      formField('tenant.slug', 'slug', 'Short name', 'text', 'off', 'Lower-case letters, digits and dashes: used to sign in.')),
  ], async (v) => {
    await api('POST', '/api/v1/auth/register', {
      user: { name: v.name, email: v.email, password: v.password }, tenant: { name: v.tenant_name, slug: v.slug },
    }, { auth: false });
    clear(done, message('success', 'Check your mail: we sent a link that confirms your address and signs you in.'));
    f.remove();
  }, { submit: 'Register', label: 'Register' });
  clear(main, pageHeader('Register'), h('div', { class: 'card' }, done, f),
    h('p', {}, 'Already have an account? ', h('a', { href: '/sign-in' }, 'Sign in')));
}, pub);

// formField is a required field whose error box is found by the API's location of it (path:
// "user.email"), sent under another name when two share a last name.
function formField(path, name, label, type, autocomplete, help) {
  const inputId = `reg-${name}`;
  return h('div', { class: 'field', dataset: { field: path } },
    h('label', { for: inputId }, label),
    h('input', { id: inputId, name, type, required: true, autocomplete, 'aria-describedby': help ? `${inputId}-help` : null }),
    help && h('p', { class: 'help', id: `${inputId}-help` }, help));
}

// tokenPage is a page reached from an e-mail link: it reads the token from the URL and drops it
// from the address bar (and so from the history) before anything else.
function tokenOf(query) {
  const token = query.get('token') || '';
  if (token) history.replaceState(null, '', location.pathname);
  return token;
}

route('/verify-email', async ({ main, query }) => {
  const token = tokenOf(query);
  clear(main, pageHeader('Confirming your address'), h('p', { class: 'loading' }, 'One moment…'));
  try {
    await signedIn(await api('POST', '/api/v1/auth/verify-email', { token }, { auth: false, headers: cookieSession }), query);
  } catch (err) {
    clear(main, pageHeader('This link does not work'), message('error', linkProblem(err)),
      h('p', {}, h('a', { href: '/sign-in' }, 'Sign in')));
  }
}, pub);

function linkProblem(err) {
  if (err instanceof ApiError && (err.status === 404 || err.status === 410)) {
    return 'The link has expired, was already used or is incomplete. Ask for a new one.';
  }
  return errorText(err);
}

route('/invitations/accept', ({ main, query }) => {
  const token = tokenOf(query) || sessionStorage.getItem('invitation') || '';
  sessionStorage.setItem('invitation', token); // survives a reload of this page, not the tab
  if (!token) {
    clear(main, pageHeader('Accept an invitation'), message('error', 'Open the link from your invitation e-mail.'));
    return;
  }
  const f = form([
    { name: 'name', label: 'Your name', autocomplete: 'name', help: 'Only when you have no Tenantry account yet.' },
    { name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'current-password',
      help: 'Your existing account\'s password, or a new one of at least 12 characters.' },
  ], async (v) => {
    try {
      const answer = await api('POST', '/api/v1/invitations/accept', { token, ...v }, { auth: false, headers: cookieSession });
      sessionStorage.removeItem('invitation');
      await signedIn(answer, query);
      toast('Welcome! You joined the tenant.');
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 410)) {
        sessionStorage.removeItem('invitation');
        clear(main, pageHeader('This invitation does not work'), message('error',
          'It has expired, was revoked or was already used. Ask the person who invited you for a new one.'));
        return;
      }
      throw err;
    }
  }, { submit: 'Join', label: 'Accept the invitation' });
  clear(main, pageHeader('Accept an invitation'), h('div', { class: 'card' }, f));
}, pub);

route('/reset-password', ({ main, query }) => {
  const token = tokenOf(query);
  if (!token) {
    const done = h('div');
    const f = form([{ name: 'email', label: 'E-mail', type: 'email', required: true, autocomplete: 'username' }], async (v) => {
      await api('POST', '/api/v1/auth/password-reset', v, { auth: false });
      f.remove();
      clear(done, message('success', 'If an account has this address, a link to choose a new password is on its way.'));
    }, { submit: 'Send the link', label: 'Reset password' });
    clear(main, pageHeader('Reset your password'), h('div', { class: 'card' }, done, f));
    return;
  }
  const f = form([{ name: 'password', label: 'New password', type: 'password', required: true, autocomplete: 'new-password', help: 'At least 12 characters.' }],
    async (v) => {
      try {
        await api('POST', '/api/v1/auth/password-reset/complete', { token, ...v }, { auth: false });
      } catch (err) {
        if (err instanceof ApiError && (err.status === 404 || err.status === 410)) {
          clear(main, pageHeader('This link does not work'), message('error', linkProblem(err)));
          return;
        }
        throw err;
      }
      clear(main, pageHeader('Password changed'), message('success', 'Your password is changed and every session was signed out.'),
        h('p', {}, h('a', { href: '/sign-in' }, 'Sign in')));
    }, { submit: 'Set the password', label: 'New password' });
  clear(main, pageHeader('Choose a new password'), h('div', { class: 'card' }, f));
}, pub);

route('/email-change', async ({ main, query }) => {
  const token = tokenOf(query);
  try {
    await api('POST', '/api/v1/auth/email-change/complete', { token }, { auth: false });
    clear(main, pageHeader('Address changed'), message('success', 'Your new address is confirmed. Sign in with it.'),
      h('p', {}, h('a', { href: '/sign-in' }, 'Sign in')));
  } catch (err) {
    clear(main, pageHeader('This link does not work'), message('error', linkProblem(err)));
  }
}, pub);

route('/account', async ({ main }) => {
  const me = session.me;
  const tenants = h('ul', {}, (me.memberships || []).map((m) => h('li', {},
    `${m.tenant.name} — ${m.role}`, m.tenant.id === session.tenant?.id ? h('span', { class: 'badge badge-ok' }, ' current') : ' ',
    m.tenant.id === session.tenant?.id ? null : h('button', {
      type: 'button', class: 'link', onclick: async () => {
        await useSession(await api('POST', '/api/v1/auth/switch-tenant', { tenant_id: m.tenant.id }, { headers: cookieSession }));
        navigate('/');
      },
    }, `Switch to ${m.tenant.name}`))));
  const password = form([
    { name: 'current_password', label: 'Current password', type: 'password', required: true, autocomplete: 'current-password' },
    { name: 'new_password', label: 'New password', type: 'password', required: true, autocomplete: 'new-password', help: 'At least 12 characters. Every other session is signed out.' },
  ], async (v, f) => {
    await useSession(await api('POST', '/api/v1/me/password', v, { headers: cookieSession }));
    f.reset();
    toast('Password changed.');
  }, { submit: 'Change password', label: 'Change password' });
  const tenant = form([
    { name: 'name', label: 'Name', required: true },
    { name: 'slug', label: 'Short name', required: true, help: 'Lower-case letters, digits and dashes.' },
  ], async (v) => {
    const answer = await api('POST', '/api/v1/tenants', v);
    await useSession(answer.session || answer);
    navigate('/');
  }, { submit: 'Create tenant', label: 'New tenant' });
  clear(main, pageHeader('Your account'),
    h('div', { class: 'card' }, h('p', {}, h('strong', {}, me.user.name), ' ', h('span', { class: 'muted' }, me.user.email))),
    h('h2', {}, 'Tenants'), tenants,
    h('h2', {}, 'Password'), password,
    h('h2', {}, 'Another tenant'), tenant);
});
