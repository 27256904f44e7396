// The navigation's entries, registered by the page modules: nav('Parking', 'Sites', '/parking/sites',
// 'viewer') puts a link in the Parking section for members with at least that role.

const items = [];

// nav adds an entry; order sorts entries within their section (then the order of registration).
export function nav(section, label, href, role = '', order = 0) {
  items.push({ section, label, href, role, order, seq: items.length });
}

// navItems are the entries in display order: sections in the order first registered.
export function navItems() {
  const sectionOrder = [];
  for (const i of items) if (!sectionOrder.includes(i.section)) sectionOrder.push(i.section);
  return [...items].sort((a, b) => sectionOrder.indexOf(a.section) - sectionOrder.indexOf(b.section) ||
    a.order - b.order || a.seq - b.seq);
}
