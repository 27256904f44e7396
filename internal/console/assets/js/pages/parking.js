// The parking pages: sites and their live boards, spaces, reservations, devices and the orphan
// inbox (the modules under pages/parking/ register their routes when imported).

import { nav } from '../nav.js';
import './parking/sites.js';
import './parking/board.js';
import './parking/space.js';
import './parking/reservations.js';
import './parking/devices.js';

nav('Parking', 'Sites', '/parking/sites', 'viewer', 10);
nav('Parking', 'Reservations', '/parking/reservations', 'viewer', 20);
nav('Parking', 'Devices', '/parking/devices', 'viewer', 30);
nav('Parking', 'Orphan inbox', '/parking/orphans', 'viewer', 40);
