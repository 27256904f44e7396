// Reservations: the list (filter by status), create (a space and a time window; the API's field
// errors on the fields, an overlap's conflicting windows in the form's alert), cancel with a reason
// and check in. The space page shows the same list and form for one space.

import {
  h, clear, route, api, form, field, list, pageHeader, atLeast, toast, errorText, showErrors, values, when,
  navigate,
} from '../../lib.js';
import {
  allItems, spaceChoices, spaceLink, isoOf, localOf, section,
} from './common.js';

const statuses = ['pending', 'confirmed', 'cancelled', 'expired', 'no_show'];
const open = new Set(['pending', 'confirmed']);

// statusBadge is a reservation's status in words.
function statusBadge(status) {
  const cls = open.has(status) ? 'badge-ok' : status === 'cancelled' || status === 'no_show' ? 'badge-bad' : '';
  return h('span', { class: ['badge', cls] }, String(status).replace('_', '-'));
}

// reservationTable lists reservations at path (a list path of /api/v1/reservations), with cancel
// and check-in for operators.
export function reservationTable(path, spacesById, opts = {}) {
  let table = null;
  const reload = () => table?.reload();
  const columns = [];
  if (!opts.oneSpace) columns.push({ label: 'Space', cell: (r) => spaceLink(spacesById, r.space_id) });
  columns.push(
    { label: 'From', cell: (r) => when(r.starts_at) },
    { label: 'Until', cell: (r) => when(r.ends_at) },
    { label: 'Holder', cell: (r) => r.holder || '' },
    { label: 'Note', cell: (r) => h('span', { class: 'res-note' }, r.note || '') },
    { label: 'Status', cell: (r) => h('span', {}, statusBadge(r.status),
      r.checked_in_at ? h('span', { class: 'muted' }, ` checked in ${when(r.checked_in_at)}`) : null,
      r.cancel_reason ? h('span', { class: 'muted' }, ` (${r.cancel_reason})`) : null) },
  );
  if (atLeast('operator')) columns.push({ label: 'Actions', cell: (r) => actions(r, reload) });
  table = list({ path, columns, empty: 'No reservations.', caption: opts.caption || 'Reservations' });
  return table;
}

function actions(r, reload) {
  const box = h('div', { class: 'row-actions', dataset: { reservation: r.id } });
  if (!open.has(r.status)) return box;
  const out = h('p', { class: 'row-error', role: 'alert' });
  const checkIn = h('button', {
    type: 'button', class: 'check-in',
    onclick: async () => {
      checkIn.disabled = true;
      clear(out);
      try {
        await api('POST', `/api/v1/reservations/${encodeURIComponent(r.id)}/check-in`, {});
        toast('Checked in.');
        reload();
      } catch (err) {
        clear(out, errorText(err));
        checkIn.disabled = false;
      }
    },
  }, r.checked_in_at ? 'Check in again' : 'Check in');
  const cancelForm = h('form', { class: 'inline-form hidden', 'aria-label': 'Cancel the reservation', novalidate: true },
    h('div', { class: 'form-alert', role: 'alert' }),
    field({ name: 'reason', label: 'Reason for cancelling', required: true, maxlength: 500 }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger' }, 'Cancel reservation'),
      h('button', { type: 'button', onclick: () => { cancelForm.classList.add('hidden'); cancelButton.focus(); } }, 'Keep it')));
  cancelForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    showErrors(cancelForm, null);
    try {
      await api('POST', `/api/v1/reservations/${encodeURIComponent(r.id)}/cancel`, { reason: values(cancelForm).reason || '' });
      toast('Reservation cancelled.');
      reload();
    } catch (err) {
      showErrors(cancelForm, err);
    }
  });
  const cancelButton = h('button', {
    type: 'button', class: 'cancel',
    onclick: () => { cancelForm.classList.remove('hidden'); cancelForm.querySelector('input')?.focus(); },
  }, 'Cancel…');
  if (!r.checked_in_at) box.append(checkIn);
  box.append(cancelButton, out, cancelForm);
  return box;
}

// reservationForm creates a reservation; spaces are the choices (one space: fixed). onDone runs
// after a creation.
export function reservationForm(spaces, onDone, fixedSpace) {
  const start = new Date(Date.now() + 5 * 60000);
  start.setSeconds(0, 0);
  const end = new Date(start.getTime() + 60 * 60000);
  let requestId = crypto.randomUUID();
  const fields = [];
  if (!fixedSpace) {
    fields.push({ name: 'space_id', label: 'Space', type: 'select', required: true, options: spaceChoices(spaces, 'Choose a space') });
  }
  fields.push(
    { name: 'starts_at', label: 'From', type: 'datetime-local', required: true, value: localOf(start) },
    { name: 'ends_at', label: 'Until', type: 'datetime-local', required: true, value: localOf(end), help: 'The window is half-open: it ends just before this time.' },
    { name: 'holder', label: 'Holder', maxlength: 200, help: 'Who the space is held for (optional).' },
    { name: 'note', label: 'Note', type: 'textarea', rows: 2, maxlength: 1000 },
  );
  return form(fields, async (v, f) => {
    const body = { ...v, request_id: requestId, starts_at: isoOf(v.starts_at), ends_at: isoOf(v.ends_at) };
    if (fixedSpace) body.space_id = fixedSpace;
    await api('POST', '/api/v1/reservations', body);
    requestId = crypto.randomUUID(); // the next one is a new reservation, not a retry
    f.querySelector('[name="holder"]').value = '';
    f.querySelector('[name="note"]').value = '';
    toast('Reservation created.');
    onDone?.();
  }, { submit: 'Reserve', label: 'New reservation' });
}

route('/parking/reservations', async ({ main, query, signal }) => {
  const status = statuses.includes(query.get('status')) ? query.get('status') : '';
  const spaces = await allItems('/api/v1/spaces', { signal });
  const byId = new Map(spaces.map((s) => [s.id, s]));
  const filter = h('form', { class: 'filters', 'aria-label': 'Filter reservations', method: 'get', action: '/parking/reservations' },
    field({ name: 'status', label: 'Status', type: 'select', value: status,
      options: [{ value: '', label: 'Any status' }, ...statuses.map((s) => ({ value: s, label: s.replace('_', '-') }))] }),
    h('button', { type: 'submit' }, 'Show'));
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    const s = values(filter).status;
    navigate(`/parking/reservations${s ? `?status=${encodeURIComponent(s)}` : ''}`);
  });
  const table = reservationTable(`/api/v1/reservations${status ? `?status=${status}` : ''}`, byId);
  clear(main, pageHeader('Reservations'), filter, table,
    atLeast('operator') && section('New reservation',
      spaces.length ? reservationForm(spaces, () => table.reload()) : h('p', { class: 'muted' }, 'Add spaces to a site first.')));
});
