// A site's live board: its spaces as tiles coloured by derived state, each with the state in words,
// a legend with the counts, and live updates from the site's event stream (GET
// /api/v1/sites/{id}/stream), resumed with Last-Event-ID when it drops, with polling every 2 s
// while the stream cannot be opened. Everything stops when the page's signal aborts.

import {
  h, clear, route, api, form, pageHeader, message, atLeast, eventStream, toast, errorText,
} from '../../lib.js';
import {
  states, stateLabel, stateClass, occupancyText, allItems, notFound, is404, sleep, disclose,
} from './common.js';

const pollEvery = 2000; // while the stream is down
const resyncEvery = 30000; // a full read while live: reservation windows start and end without events
const streamRetryPolls = 15; // while polling, try the stream again after this many polls

route('/parking/sites/:id', async ({ params, main, signal }) => {
  const siteId = encodeURIComponent(params.id);
  let site;
  try {
    site = await api('GET', `/api/v1/sites/${siteId}`, undefined, { signal });
  } catch (err) {
    if (is404(err)) return notFound(main, 'site');
    throw err;
  }

  const tiles = new Map(); // space id -> {el, space}
  const grid = h('ul', { class: 'board', 'aria-label': `Spaces of ${site.name}` });
  const counts = new Map();
  const legend = h('ul', { class: 'legend', 'aria-label': 'Legend and counts' }, states.map((s) => {
    const n = h('span', { class: 'legend-count', dataset: { state: s.state } }, '0');
    counts.set(s.state, n);
    return h('li', { class: ['legend-item', `tile-${stateClass(s.state)}`] },
      h('span', { class: 'legend-label' }, `${s.label}:`), n, h('span', { class: 'legend-help' }, `(${s.help})`));
  }));
  const total = h('span', { class: 'legend-count', dataset: { state: 'total' } }, '0');
  const empty = h('p', { class: 'muted hidden' }, 'This site has no spaces yet.');
  const status = h('p', { class: 'live-status', role: 'status', dataset: { live: 'connecting' } }, 'Connecting to live updates…');
  const updated = h('span', { class: 'muted', id: 'board-updated' });

  function paint(entry) {
    const { el, space } = entry;
    const cls = stateClass(space.state);
    el.className = `tile tile-${cls}`;
    el.dataset.state = space.state;
    el.querySelector('.tile-state').textContent = stateLabel(space.state);
    const sub = [occupancyText(space.occupancy)];
    if (space.override?.kind) sub.push(space.override.kind === 'blocked' ? 'Blocked' : 'Maintenance override');
    if (space.reservation?.id && space.state !== 'RESERVED') sub.push('Reserved now');
    el.querySelector('.tile-sub').textContent = sub.join(' · ');
  }

  function tile(space) {
    const el = h('li', { class: 'tile', dataset: { spaceId: space.id } },
      h('a', { href: `/parking/spaces/${encodeURIComponent(space.id)}` },
        h('span', { class: 'tile-code' }, space.code),
        space.name ? h('span', { class: 'tile-name' }, space.name) : null,
        h('span', { class: 'tile-state' }),
        h('span', { class: 'tile-sub' })));
    return el;
  }

  function recount() {
    const n = new Map(states.map((s) => [s.state, 0]));
    for (const { space } of tiles.values()) n.set(space.state, (n.get(space.state) || 0) + 1);
    for (const [state, el] of counts) el.textContent = String(n.get(state) || 0);
    total.textContent = String(tiles.size);
    empty.classList.toggle('hidden', tiles.size > 0);
  }

  function stamp() {
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  }

  // show puts the site's spaces on the board (all of them, replacing what was there).
  function show(spaces) {
    const seen = new Set();
    for (const space of spaces) {
      seen.add(space.id);
      let entry = tiles.get(space.id);
      if (!entry) {
        entry = { el: tile(space), space };
        tiles.set(space.id, entry);
      }
      entry.space = space;
      paint(entry);
    }
    for (const [sid, entry] of tiles) {
      if (!seen.has(sid)) { entry.el.remove(); tiles.delete(sid); }
    }
    // in the API's order (by code)
    grid.replaceChildren(...spaces.map((s) => tiles.get(s.id).el));
    recount();
    stamp();
  }

  async function load() {
    show(await allItems(`/api/v1/spaces?site_id=${siteId}`, { signal }));
  }

  // apply takes one state change from the stream; false when the space is not on the board.
  function apply(change) {
    const entry = tiles.get(change.space_id);
    if (!entry) return false;
    entry.space = { ...entry.space, state: change.new_state, occupancy: change.occupancy };
    paint(entry);
    recount();
    stamp();
    return true;
  }

  function setStatus(kind, text) {
    status.dataset.live = kind;
    status.textContent = text;
  }

  // refreshSpace reads one space again (after a change whose details the event does not carry).
  async function refreshSpace(id) {
    try {
      const space = await api('GET', `/api/v1/spaces/${encodeURIComponent(id)}`, undefined, { signal });
      const entry = tiles.get(id);
      if (entry) { entry.space = space; paint(entry); recount(); }
    } catch { /* the next resync shows it */ }
  }

  async function live() {
    let lastId = '';
    let polls = 0;
    let mode = 'stream';
    while (!signal.aborted) {
      if (mode === 'poll') {
        await sleep(pollEvery, signal);
        if (signal.aborted) return;
        try { await load(); } catch { /* keep polling */ }
        polls += 1;
        if (polls >= streamRetryPolls) { polls = 0; mode = 'stream'; }
        continue;
      }
      let opened = false;
      const resync = setInterval(() => { load().catch(() => {}); }, resyncEvery);
      const openedTimer = setTimeout(() => {
        // an open stream is a pending request: a refusal would have come at once
        opened = true;
        setStatus('live', 'Live: changes appear as they happen.');
        if (!lastId) load().catch(() => {}); // what changed before the stream opened
      }, 800);
      try {
        await eventStream(`/api/v1/sites/${siteId}/stream`, (ev) => {
          if (ev.id) lastId = ev.id;
          if (ev.event === 'reset') { load().catch(() => {}); return; }
          if (ev.event !== 'state') return;
          let change;
          try { change = JSON.parse(ev.data); } catch { return; }
          if (!apply(change)) load().catch(() => {}); // a space new to this board
          else if (change.source !== 'sensor') refreshSpace(change.space_id); // its override or reservation
        }, signal, lastId ? { 'Last-Event-ID': lastId } : {});
        // the server ended the stream (its maximum age, a drain): resume at once, unless it ended
        // as soon as it opened
        if (!opened) await sleep(1000, signal);
      } catch (err) {
        if (signal.aborted) return;
        if (is404(err)) { setStatus('gone', 'This site no longer exists.'); return; }
        if (!opened) {
          mode = 'poll';
          polls = 0;
          setStatus('polling', `Live stream unavailable (${errorText(err)}); checking every 2 seconds.`);
        } else {
          setStatus('connecting', 'Live updates interrupted; reconnecting…');
          await sleep(1000, signal);
        }
      } finally {
        clearTimeout(openedTimer);
        clearInterval(resync);
      }
    }
  }

  const addSpace = atLeast('admin') && disclose('Add a space', form([
    { name: 'code', label: 'Code', required: true, help: 'Unique within the site, such as P-01.' },
    { name: 'name', label: 'Name' },
    { name: 'building', label: 'Building' },
    { name: 'floor', label: 'Floor' },
    { name: 'zone', label: 'Zone' },
  ], async (v, f) => {
    const space = await api('POST', '/api/v1/spaces', { ...v, site_id: site.id });
    f.reset();
    toast(`Space ${space.code} added.`);
    await load();
  }, { submit: 'Add space', label: 'Add a space' }));

  clear(main,
    pageHeader(site.name, h('a', { class: 'button', href: '/parking/sites' }, 'All sites'),
      h('a', { class: 'button', href: `/parking/reservations` }, 'Reservations')),
    h('p', { class: 'muted' }, `Time zone ${site.timezone}`, site.address ? ` · ${site.address}` : ''),
    h('div', { class: 'board-bar' }, status, updated),
    h('div', { class: 'legend-box' }, legend, h('p', { class: 'legend-total' }, 'Total spaces: ', total)),
    empty, grid, addSpace);

  try {
    await load();
  } catch (err) {
    if (signal.aborted) return;
    main.append(message('error', errorText(err)));
  }
  live();
});
