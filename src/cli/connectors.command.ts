import type { HubGraphqlClient } from './graphql-client.js';
import { LIST_CONNECTORS, type ConnectorRow } from './operations.js';
import type { Output } from './output.js';
import { table } from './render.js';

/** `connectors`: the connectors the caller may see, and their status. */
export async function connectorsCommand(
  api: HubGraphqlClient,
  out: Output,
  filter: { companyId?: string | undefined; status?: string | undefined },
): Promise<number> {
  const { connectors } = await api.request<{ connectors: ConnectorRow[] }>(LIST_CONNECTORS, {
    companyId: filter.companyId ?? null,
    status: filter.status ?? null,
  });
  out.line(
    table(
      ['ID', 'NAME', 'COMPANY', 'STATUS', 'VERIFIED', 'SYNC GROUP', 'LAST SYNC', 'REASON'],
      connectors.map((c) => [
        c.id,
        c.name,
        c.companyId,
        c.status ?? (c.enabled ? 'NOT SAVED' : 'DISABLED'),
        c.verified ? 'yes' : 'no',
        c.syncGroup?.name,
        c.lastSuccessfulSyncAt,
        c.statusReason,
      ]),
    ),
  );
  out.line(`${connectors.length} connector(s)`);
  return 0;
}
