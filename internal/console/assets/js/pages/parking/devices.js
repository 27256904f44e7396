// Devices (sensors, displays, gateways): the list (filter by kind), register, assign to a space and
// unassign; and the orphan inbox: devices ChirpStack reported that are not registered, to assign to
// a space (which registers them) or dismiss.

import {
  h, clear, route, api, form, field, list, pageHeader, atLeast, toast, errorText, confirmButton, values, when,
  navigate,
} from '../../lib.js';
import { allItems, spaceChoices, spaceLink, section } from './common.js';

const kinds = ['sensor', 'display', 'gateway'];

// assignForm picks a space for a device (or an orphan, with its kind) and posts to path.
function assignForm(label, path, spaces, done, withKind) {
  const out = h('p', { class: 'row-error', role: 'alert' });
  const f = h('form', { class: 'inline-form assign-form', 'aria-label': label, novalidate: true },
    withKind && field({ name: 'kind', label: 'Kind', type: 'select', value: 'sensor', options: [{ value: 'sensor', label: 'sensor' }, { value: 'display', label: 'display' }] }),
    field({ name: 'space_id', label: 'Space', type: 'select', required: true, options: spaceChoices(spaces, 'Choose a space') }),
    h('button', { type: 'submit' }, 'Assign'), out);
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(out);
    const v = values(f);
    if (!v.space_id) { clear(out, 'Choose a space first.'); return; }
    const button = f.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      await api('POST', path, v);
      toast('Assigned.');
      done();
    } catch (err) {
      clear(out, errorText(err));
    } finally {
      button.disabled = false;
    }
  });
  return f;
}

// deviceTable lists devices at path with assign and unassign for admins.
export function deviceTable(path, spaces, opts = {}) {
  const byId = new Map(spaces.map((s) => [s.id, s]));
  let table = null;
  const reload = () => table?.reload();
  const columns = [
    { label: 'EUI', cell: (d) => h('code', {}, d.dev_eui) },
    { label: 'Kind', cell: (d) => d.kind },
    { label: 'Name', cell: (d) => h('span', { class: 'device-name' }, d.name || '') },
    { label: 'Status', cell: (d) => h('span', { class: ['badge', d.status === 'active' ? 'badge-ok' : ''] }, d.status) },
  ];
  if (!opts.oneSpace) columns.push({ label: 'Space', cell: (d) => (d.kind === 'gateway' ? h('span', { class: 'muted' }, 'n/a') : spaceLink(byId, d.space_id)) });
  columns.push(
    { label: 'Last seen', cell: (d) => (d.last_seen_at ? when(d.last_seen_at) : h('span', { class: 'muted' }, 'never')) },
    { label: 'Signal', cell: (d) => [d.last_rssi != null ? `${d.last_rssi} dBm` : '', d.last_snr != null ? ` SNR ${d.last_snr}` : ''].join('') },
    { label: 'Battery', cell: (d) => (d.external_power ? 'external power' : d.battery_level != null ? `${Math.round(d.battery_level)} %` : '') },
  );
  if (atLeast('admin')) {
    columns.push({
      label: 'Actions',
      cell: (d) => {
        if (d.kind === 'gateway' || d.status === 'decommissioned') return '';
        if (d.space_id) {
          return confirmButton('Unassign', async () => {
            await api('POST', `/api/v1/devices/${encodeURIComponent(d.id)}/unassign`, {});
            toast('Unassigned.');
            reload();
          });
        }
        return assignForm(`Assign ${d.dev_eui} to a space`, `/api/v1/devices/${encodeURIComponent(d.id)}/assign`, spaces, reload);
      },
    });
  }
  table = list({ path, columns, empty: opts.empty || 'No devices.', caption: opts.caption || 'Devices' });
  return table;
}

route('/parking/devices', async ({ main, query, signal }) => {
  const kind = kinds.includes(query.get('kind')) ? query.get('kind') : '';
  const spaces = await allItems('/api/v1/spaces', { signal });
  const filter = h('form', { class: 'filters', 'aria-label': 'Filter devices', novalidate: true },
    field({ name: 'kind', label: 'Kind', type: 'select', value: kind,
      options: [{ value: '', label: 'All kinds' }, ...kinds.map((k) => ({ value: k, label: k }))] }),
    h('button', { type: 'submit' }, 'Show'));
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    const k = values(filter).kind;
    navigate(`/parking/devices${k ? `?kind=${encodeURIComponent(k)}` : ''}`);
  });
  const table = deviceTable(`/api/v1/devices${kind ? `?kind=${kind}` : ''}`, spaces);
  const register = atLeast('admin') && section('Register a device', form([
    { name: 'dev_eui', label: 'DevEUI', required: true, help: '16 hex digits (a gateway: its gateway id).', autocomplete: 'off', maxlength: 16 },
    { name: 'kind', label: 'Kind', type: 'select', required: true, value: 'sensor', options: kinds.map((k) => ({ value: k, label: k })) },
    { name: 'name', label: 'Name', maxlength: 200 },
    { name: 'model', label: 'Model', maxlength: 200 },
    { name: 'payload_format', label: 'Payload format', type: 'select', value: 'auto', help: 'How a sensor\'s occupancy is decoded.',
      options: [{ value: 'auto', label: 'auto' }, { value: 'codec', label: 'codec (ChirpStack\'s decoded object)' }, { value: 'tabs', label: 'tabs (Browan TABS bytes)' }] },
    { name: 'space_id', label: 'Space', type: 'select', options: spaceChoices(spaces, 'No space yet') },
  ], async (v, f) => {
    const d = await api('POST', '/api/v1/devices', v);
    f.reset();
    toast(`Device ${d.dev_eui} registered.`);
    table.reload();
  }, { submit: 'Register', label: 'Register a device' }));
  clear(main, pageHeader('Devices', h('a', { class: 'button', href: '/parking/orphans' }, 'Orphan inbox')),
    filter, table, register);
});

route('/parking/orphans', async ({ main, signal }) => {
  const spaces = await allItems('/api/v1/spaces', { signal });
  let table = null;
  const reload = () => table?.reload();
  const columns = [
    { label: 'EUI', cell: (o) => h('code', {}, o.dev_eui) },
    { label: 'Name in ChirpStack', cell: (o) => h('span', { class: 'orphan-name' }, o.device_name || '') },
    { label: 'Profile', cell: (o) => o.device_profile || '' },
    { label: 'First seen', cell: (o) => when(o.first_seen_at) },
    { label: 'Last seen', cell: (o) => `${when(o.last_seen_at)} (${o.last_event})` },
    { label: 'Events', cell: (o) => String(o.uplink_count) },
    { label: 'Signal', cell: (o) => [o.last_rssi != null ? `${o.last_rssi} dBm` : '', o.last_snr != null ? ` SNR ${o.last_snr}` : '', o.last_gateway ? ` via ${o.last_gateway}` : ''].join('') },
  ];
  if (atLeast('operator')) {
    columns.push({
      label: 'Actions',
      cell: (o) => h('div', { class: 'row-actions', dataset: { orphan: o.id } },
        atLeast('admin') && assignForm(`Assign ${o.dev_eui} to a space`, `/api/v1/orphan-devices/${encodeURIComponent(o.id)}/assign`, spaces, reload, true),
        confirmButton('Dismiss', async () => {
          await api('DELETE', `/api/v1/orphan-devices/${encodeURIComponent(o.id)}`);
          toast('Dismissed.');
          reload();
        })),
    });
  }
  table = list({ path: '/api/v1/orphan-devices', columns, empty: 'The inbox is empty: every device that reported is registered.', caption: 'Unregistered devices that reported' });
  clear(main, pageHeader('Orphan inbox', h('a', { class: 'button', href: '/parking/devices' }, 'Devices')),
    h('p', { class: 'muted' }, 'Devices ChirpStack sent events for that are not registered here. Assigning one to a space registers it; dismissing removes it until it reports again.'),
    table);
});
