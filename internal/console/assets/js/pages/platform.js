// The Administration pages: members and invitations, teams, API keys, the audit log and the
// tenant's settings. Each entry's minimum role is the role its page's list operation declares
// (x-tenantry-access in the OpenAPI document); the server decides every action regardless.

import { nav } from '../nav.js';
import './platform/members.js';
import './platform/teams.js';
import './platform/keys.js';
import './platform/audit.js';
import './platform/tenant.js';

nav('Administration', 'Members', '/members', 'admin', 10);
nav('Administration', 'Invitations', '/invitations', 'admin', 20);
nav('Administration', 'Teams', '/teams', 'viewer', 30);
nav('Administration', 'API keys', '/api-keys', 'owner', 40);
nav('Administration', 'Audit log', '/audit-log', 'admin', 50);
nav('Administration', 'Tenant settings', '/tenant', 'admin', 60);
