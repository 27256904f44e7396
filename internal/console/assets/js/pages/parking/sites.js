// The sites list: every site with its spaces count, create (admin), rename, delete (refused while
// live spaces exist unless forced) and restore.

import {
  h, clear, route, api, form, field, list, pageHeader, message, confirmButton, toast, atLeast, errorText,
  showErrors, values, ApiError,
} from '../../lib.js';
import { section } from './common.js';

const zone = (() => {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; }
})();

route('/parking/sites', ({ main, query }) => {
  const showDeleted = query.get('deleted') === '1';
  let table = null;
  const reload = () => table?.reload();

  const columns = [
    { label: 'Name', cell: (s) => (s.deleted_at ? h('span', {}, s.name, ' ', h('span', { class: 'badge badge-bad' }, 'Deleted'))
      : h('a', { href: `/parking/sites/${encodeURIComponent(s.id)}`, class: 'site-link' }, s.name)) },
    { label: 'Time zone', cell: (s) => s.timezone },
    { label: 'Address', cell: (s) => s.address || '' },
    { label: 'Spaces', cell: (s) => String(s.spaces_count ?? '') },
  ];
  if (atLeast('admin')) columns.push({ label: 'Actions', cell: (s) => siteActions(s, reload) });

  table = list({
    path: `/api/v1/sites${showDeleted ? '?include_deleted=true' : ''}`, columns,
    empty: 'No sites yet.', caption: showDeleted ? 'Sites, deleted ones included' : 'Sites',
  });

  const create = atLeast('admin') && section('New site', form([
    { name: 'name', label: 'Name', required: true, maxlength: 200 },
    { name: 'timezone', label: 'Time zone', value: zone, help: 'An IANA zone such as Europe/Berlin; the site\'s clock for displays and reports.' },
    { name: 'address', label: 'Address' },
  ], async (v, f) => {
    const site = await api('POST', '/api/v1/sites', v);
    f.reset();
    toast(`Site ${site.name} created.`);
    reload();
  }, { submit: 'Create site', label: 'New site' }));

  clear(main,
    pageHeader('Sites', h('a', { class: 'button', href: showDeleted ? '/parking/sites' : '/parking/sites?deleted=1' },
      showDeleted ? 'Hide deleted sites' : 'Show deleted sites')),
    h('p', { class: 'muted' }, 'Each site has a live board of its spaces: open a site by its name.'),
    table, create);
});

// siteActions are a row's rename, delete and restore controls.
function siteActions(s, reload) {
  const box = h('div', { class: 'row-actions', dataset: { site: s.id } });
  if (s.deleted_at) {
    box.append(h('button', {
      type: 'button',
      onclick: async (e) => {
        e.target.disabled = true;
        try {
          await api('POST', `/api/v1/sites/${encodeURIComponent(s.id)}/restore`);
          toast(`Site ${s.name} restored.`);
          reload();
        } catch (err) {
          toast(errorText(err));
          e.target.disabled = false;
        }
      },
    }, 'Restore'));
    return box;
  }
  const renameForm = h('form', { class: 'inline-form hidden', 'aria-label': `Rename ${s.name}`, novalidate: true },
    h('div', { class: 'form-alert', role: 'alert' }),
    field({ name: 'name', label: 'New name', value: s.name, required: true, maxlength: 200 }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save name'),
      h('button', { type: 'button', onclick: () => { renameForm.classList.add('hidden'); renameButton.focus(); } }, 'Cancel')));
  renameForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    showErrors(renameForm, null);
    try {
      await api('PATCH', `/api/v1/sites/${encodeURIComponent(s.id)}`, { name: values(renameForm).name });
      toast('Site renamed.');
      reload();
    } catch (err) {
      showErrors(renameForm, err);
    }
  });
  const renameButton = h('button', {
    type: 'button', class: 'rename',
    onclick: () => { renameForm.classList.toggle('hidden'); renameForm.querySelector('input')?.focus(); },
  }, 'Rename');
  const del = async (force) => {
    try {
      await api('DELETE', `/api/v1/sites/${encodeURIComponent(s.id)}${force ? '?force=true' : ''}`);
      toast(`Site ${s.name} deleted; it can be restored.`);
      reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && !force) {
        box.append(message('error', errorText(err)),
          confirmButton('Delete with its spaces', () => del(true), { confirm: 'Confirm: delete the site and its spaces' }));
        return;
      }
      throw err;
    }
  };
  box.append(renameButton, confirmButton('Delete', () => del(false)), renameForm);
  return box;
}
