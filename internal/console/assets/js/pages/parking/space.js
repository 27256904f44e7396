// A space: its fields, derived state and the facts beneath it (sensor, override, reservation), the
// override (set, clear), edit and delete, its devices, its reservations and its state history.

import {
  h, clear, route, api, form, list, pageHeader, atLeast, toast, confirmButton, when, navigate, message,
} from '../../lib.js';
import {
  stateBadge, stateLabel, notFound, is404, section, disclose, isoOf, allItems,
} from './common.js';
import { reservationTable, reservationForm } from './reservations.js';
import { deviceTable } from './devices.js';

function again() { navigate(location.pathname, { replace: true }); }

route('/parking/spaces/:id', async ({ params, main, signal }) => {
  const id = encodeURIComponent(params.id);
  let space;
  try {
    space = await api('GET', `/api/v1/spaces/${id}`, undefined, { signal });
  } catch (err) {
    if (is404(err)) return notFound(main, 'space');
    throw err;
  }
  const spaces = await allItems(`/api/v1/spaces?site_id=${encodeURIComponent(space.site_id)}`, { signal });

  const facts = h('dl', { class: 'facts' },
    h('dt', {}, 'State'), h('dd', { id: 'space-state' }, stateBadge(space.state)),
    h('dt', {}, 'Sensor'), h('dd', {}, space.occupancy === 'unknown' ? 'no report yet' : space.occupancy, space.occupancy_at ? ` (${when(space.occupancy_at)})` : ''),
    h('dt', {}, 'Override'), h('dd', {}, space.override
      ? [space.override.kind, space.override.reason ? `: ${space.override.reason}` : '', space.override.until ? `, until ${when(space.override.until)}` : '']
      : h('span', { class: 'muted' }, 'none')),
    h('dt', {}, 'Reservation now'), h('dd', {}, space.reservation
      ? `held${space.reservation.until ? ` until ${when(space.reservation.until)}` : ''}` : h('span', { class: 'muted' }, 'none')),
    h('dt', {}, 'Site'), h('dd', {}, h('a', { href: `/parking/sites/${encodeURIComponent(space.site_id)}` }, space.site_name)),
    h('dt', {}, 'Code'), h('dd', {}, space.code),
    h('dt', {}, 'Name'), h('dd', { class: 'space-name' }, space.name || ''),
    h('dt', {}, 'Building / floor / zone'), h('dd', {}, [space.building, space.floor, space.zone].map((x) => x || '–').join(' / ')),
    h('dt', {}, 'Location'), h('dd', {}, space.latitude != null ? `${space.latitude}, ${space.longitude}` : h('span', { class: 'muted' }, 'not set')),
    space.deleted_at && [h('dt', {}, 'Deleted'), h('dd', {}, when(space.deleted_at))],
  );

  const override = atLeast('operator') && section('Override',
    h('p', { class: 'muted' }, 'An override puts the space in maintenance whatever the sensor says (a sensor never clears it). Blocking needs an admin.'),
    space.override && confirmButton('Clear the override', async () => {
      await api('DELETE', `/api/v1/spaces/${id}/override`);
      toast('Override cleared.');
      again();
    }, { class: 'clear-override' }),
    disclose(space.override ? 'Replace the override' : 'Set an override', form([
      { name: 'kind', label: 'Kind', type: 'select', required: true, value: 'maintenance',
        options: [{ value: 'maintenance', label: 'maintenance' }, ...(atLeast('admin') ? [{ value: 'blocked', label: 'blocked' }] : [])] },
      { name: 'reason', label: 'Reason', maxlength: 500 },
      { name: 'starts_at', label: 'From (optional)', type: 'datetime-local', help: 'Empty: now.' },
      { name: 'ends_at', label: 'Until (optional)', type: 'datetime-local', help: 'Empty: until cleared.' },
    ], async (v) => {
      await api('PUT', `/api/v1/spaces/${id}/override`, { ...v, starts_at: isoOf(v.starts_at), ends_at: isoOf(v.ends_at) });
      toast('Override set.');
      again();
    }, { submit: 'Set override', label: 'Set an override' })));

  const edit = atLeast('admin') && !space.deleted_at && section('Edit',
    disclose('Edit the space', form([
      { name: 'code', label: 'Code', required: true, value: space.code },
      { name: 'name', label: 'Name', value: space.name },
      { name: 'building', label: 'Building', value: space.building },
      { name: 'floor', label: 'Floor', value: space.floor },
      { name: 'zone', label: 'Zone', value: space.zone },
    ], async (v, f) => {
      const body = {};
      for (const k of ['code', 'name', 'building', 'floor', 'zone']) body[k] = f.querySelector(`[name="${k}"]`).value;
      await api('PATCH', `/api/v1/spaces/${id}`, body);
      toast('Space saved.');
      again();
    }, { submit: 'Save', label: 'Edit the space' })),
    confirmButton('Delete the space', async () => {
      await api('DELETE', `/api/v1/spaces/${id}`);
      toast(`Space ${space.code} deleted.`);
      navigate(`/parking/sites/${encodeURIComponent(space.site_id)}`);
    }));

  const restore = atLeast('admin') && space.deleted_at && h('button', {
    type: 'button',
    onclick: async () => {
      try {
        await api('POST', `/api/v1/spaces/${id}/restore`);
        toast('Space restored.');
        again();
      } catch (err) {
        main.prepend(message('error', err.message));
      }
    },
  }, 'Restore the space');

  const reservations = reservationTable(`/api/v1/reservations?space_id=${id}`, new Map(), { oneSpace: true, caption: 'Reservations of this space' });
  const history = list({
    path: `/api/v1/spaces/${id}/history`, caption: 'State history, newest first', empty: 'No changes recorded yet.',
    columns: [
      { label: 'When', cell: (c) => when(c.occurred_at) },
      { label: 'Change', cell: (c) => `${stateLabel(c.previous_state)} → ${stateLabel(c.new_state)}` },
      { label: 'Sensor', cell: (c) => c.occupancy },
      { label: 'Source', cell: (c) => c.source },
      { label: 'Detail', cell: (c) => c.detail || '' },
    ],
  });

  clear(main,
    pageHeader(`Space ${space.code}`, h('a', { class: 'button', href: `/parking/sites/${encodeURIComponent(space.site_id)}` }, 'Back to the board'), restore),
    facts, override, edit,
    section('Devices', deviceTable(`/api/v1/devices?space_id=${id}`, spaces, { oneSpace: true, caption: 'Devices on this space', empty: 'No device on this space.' })),
    section('Reservations', reservations,
      atLeast('operator') && !space.deleted_at && disclose('New reservation', reservationForm([], () => reservations.reload(), space.id))),
    section('History', history));
});
