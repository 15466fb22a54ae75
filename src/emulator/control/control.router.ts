import { Router } from '../http/router.js';
import { registerDirectoryControlRoutes } from './directory-control.routes.js';
import { registerEmulatorControlRoutes } from './emulator-control.routes.js';
import { registerIdentityControlRoutes } from './identity-control.routes.js';
import type { ControlDeps } from './control-http.js';
import { registerTenantControlRoutes } from './tenant-control.routes.js';

export type { ControlDeps } from './control-http.js';

/**
 * `/_emulator/...`: JSON over the same HTTPS port, one route table per resource. See
 * docs/emulator.md for the reference.
 */
export function createControlRouter(): Router<ControlDeps> {
  const r = new Router<ControlDeps>();
  const T = '/_emulator/tenants/:tenant';
  registerEmulatorControlRoutes(r);
  registerTenantControlRoutes(r, T);
  registerIdentityControlRoutes(r, T);
  registerDirectoryControlRoutes(r, T);
  return r;
}
