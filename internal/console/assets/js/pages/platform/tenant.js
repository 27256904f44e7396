// The tenant's own settings: its name and short name (owners), whether members need a second
// factor (admins), and the owner's full export.

import { h, clear, route, api, form, pageHeader, message, session, toast, download, errorText, useSession, cookieSession } from '../../lib.js';
import { dl, section, refused } from './common.js';

route('/tenant', async ({ main }) => {
  if (refused(main, 'Tenant settings', 'admin', 'admins and owners')) return;
  const owner = session.role === 'owner';
  const t = await api('GET', '/api/v1/tenant');
  const security = await api('GET', '/api/v1/tenant/security').catch(() => null);
  const status = h('div', { role: 'status' });

  const profile = owner ? form([
    { name: 'name', label: 'Name', required: true, maxlength: 200, value: t.name },
    { name: 'slug', label: 'Short name', required: true, maxlength: 63, value: t.slug, help: 'Lower-case letters, digits and dashes: members give it to sign in.' },
  ], async (v) => {
    const changed = await api('PATCH', '/api/v1/tenant', v);
    clear(status, message('success', `Saved: ${changed.name} (${changed.slug}).`));
    try { // the header shows the tenant's name from the session's /me
      await useSession(await api('POST', '/api/v1/auth/switch-tenant', { tenant_id: changed.id }, { headers: cookieSession }));
    } catch {
      // the name shows after the next renewal
    }
  }, { submit: 'Save', label: 'Tenant profile' }) : dl([['Name', t.name], ['Short name', t.slug]]);

  const twoFactor = security ? form([
    { name: 'require_two_factor', label: 'Members must sign in with a second factor', type: 'checkbox', value: security.require_two_factor,
      help: 'Turning it on needs a second factor on your own account first.' },
  ], async (v) => {
    const s = await api('PUT', '/api/v1/tenant/security', { require_two_factor: !!v.require_two_factor });
    toast(s.require_two_factor ? 'A second factor is now required.' : 'A second factor is no longer required.');
  }, { submit: 'Save', label: 'Security' }) : null;

  const exportButton = owner ? h('button', {
    type: 'button',
    onclick: async () => {
      try {
        toast('Preparing the export…');
        await download('/api/v1/tenant/export', `${t.slug}-export.zip`);
      } catch (err) {
        toast(errorText(err));
      }
    },
  }, 'Download the export') : null;

  clear(main, pageHeader('Tenant settings'), status,
    dl([['Status', t.status], ['Created', new Date(t.created_at).toLocaleDateString()]]),
    section('Profile', owner ? null : h('p', { class: 'muted' }, 'Only an owner can change these.'), profile),
    twoFactor && section('Security', twoFactor),
    exportButton && section('Export', h('p', { class: 'muted' }, 'Every record of this tenant and every uploaded file, as a zip archive.'), exportButton));
});
