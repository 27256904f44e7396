// The start page: where the signed-in member is and where to go from here.

import { h, route, pageHeader, session, atLeast } from '../lib.js';
import { navItems } from '../nav.js';

route('/', ({ main }) => {
  const tenant = session.tenant;
  const tiles = navItems().filter((i) => !i.role || atLeast(i.role));
  main.append(pageHeader(tenant ? tenant.name : 'Welcome'),
    h('p', { class: 'muted' }, tenant ? `You are signed in as ${session.me.user.name}, ${session.role} of this tenant.`
      : 'You belong to no tenant yet: create one from your account page.'),
    h('div', { class: 'grid tiles' }, tiles.map((i) => h('a', { href: i.href }, h('strong', {}, i.label), h('span', { class: 'muted' }, i.section)))),
    h('p', {}, 'Integrations use the same API the console does: ', h('a', { href: '/docs' }, 'API reference'), '.'));
});
