import type { Router } from '../http/router.js';
import { created, done, ok, readBody, type ControlDeps } from './control-http.js';
import * as schemas from './control.schemas.js';

/**
 * A tenant's directory as an admin changes it in the portal: users and their lifecycle, groups
 * and members, and the other member types consumers must skip (`T` is
 * `/_emulator/tenants/:tenant`).
 */
export function registerDirectoryControlRoutes(r: Router<ControlDeps>, T: string): void {
  registerUserRoutes(r, T);
  registerGroupRoutes(r, T);
  r.add('POST', `${T}/directory-objects`, (q, p, d) =>
    created(
      d.control.createDirectoryObject(p['tenant']!, readBody(q, schemas.directoryObjectInput)),
    ),
  );
}

function registerUserRoutes(r: Router<ControlDeps>, T: string): void {
  r.add('GET', `${T}/users`, (_q, p, d) => ok({ value: d.control.listUsers(p['tenant']!) }));
  r.add('POST', `${T}/users`, (q, p, d) =>
    created(d.control.createUser(p['tenant']!, readBody(q, schemas.userCreateInput))),
  );
  r.add('GET', `${T}/users/:id`, (_q, p, d) => ok(d.control.getUser(p['tenant']!, p['id']!)));
  r.add('PATCH', `${T}/users/:id`, (q, p, d) =>
    ok(d.control.updateUser(p['tenant']!, p['id']!, readBody(q, schemas.userPatchInput))),
  );
  r.add('POST', `${T}/users/:id/disable`, (_q, p, d) =>
    ok(d.control.disableUser(p['tenant']!, p['id']!)),
  );
  r.add('POST', `${T}/users/:id/enable`, (_q, p, d) =>
    ok(d.control.enableUser(p['tenant']!, p['id']!)),
  );
  r.add('POST', `${T}/users/:id/soft-delete`, (_q, p, d) =>
    ok(d.control.softDeleteUser(p['tenant']!, p['id']!)),
  );
  r.add('POST', `${T}/users/:id/restore`, (_q, p, d) =>
    ok(d.control.restoreUser(p['tenant']!, p['id']!)),
  );
  r.add(
    'DELETE',
    `${T}/users/:id`,
    (_q, p, d) => (d.control.hardDeleteUser(p['tenant']!, p['id']!), done()),
  );
}

function registerGroupRoutes(r: Router<ControlDeps>, T: string): void {
  r.add('POST', `${T}/groups`, (q, p, d) =>
    created(d.control.createGroup(p['tenant']!, readBody(q, schemas.groupCreateInput))),
  );
  r.add('GET', `${T}/groups/:id`, (_q, p, d) => ok(d.control.getGroup(p['tenant']!, p['id']!)));
  r.add('PATCH', `${T}/groups/:id`, (q, p, d) =>
    ok(d.control.updateGroup(p['tenant']!, p['id']!, readBody(q, schemas.groupPatchInput))),
  );
  r.add('DELETE', `${T}/groups/:id`, (q, p, d) => {
    d.control.deleteGroup(p['tenant']!, p['id']!, {
      soft: q.url.searchParams.get('soft') === 'true',
    });
    return done();
  });
  r.add('POST', `${T}/groups/:id/restore`, (_q, p, d) =>
    ok(d.control.restoreGroup(p['tenant']!, p['id']!)),
  );
  r.add('POST', `${T}/groups/:id/members`, (q, p, d) => {
    const body = readBody(q, schemas.membersInput);
    const ids = body.ids ?? [body.id!];
    return ok({ added: d.control.addMembers(p['tenant']!, p['id']!, ids) });
  });
  r.add('DELETE', `${T}/groups/:id/members/:memberId`, (_q, p, d) => {
    d.control.removeMember(p['tenant']!, p['id']!, p['memberId']!);
    return done();
  });
}
