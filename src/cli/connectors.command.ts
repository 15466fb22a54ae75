import type { HubGraphqlClient } from './graphql-client.js';
import { LIST_CONNECTORS, type ConnectorRow } from './operations.js';
import type { Output } from './output.js';
import { readPages, shownLine, type Connection } from './pages.js';
import { table } from './render.js';

/** `connectors`: every connector the caller may see (all pages), and its status. */
export async function connectorsCommand(
  api: HubGraphqlClient,
  out: Output,
  options: {
    companyId?: string | undefined;
    status?: string | undefined;
    pageSize: number;
    limit: number | null;
  },
): Promise<number> {
  const paged = await readPages<ConnectorRow>(
    api,
    LIST_CONNECTORS,
    { companyId: options.companyId ?? null, status: options.status?.toUpperCase() ?? null },
    (data) => data['connectors'] as Connection<ConnectorRow>,
    options,
  );
  out.line(
    table(
      ['ID', 'NAME', 'COMPANY', 'STATUS', 'VERIFIED', 'SYNC GROUP', 'LAST SYNC', 'REASON'],
      paged.rows.map((c) => [
        c.id,
        c.name,
        c.companyId,
        c.status,
        c.verified ? 'yes' : 'no',
        c.syncGroup?.name,
        c.lastSuccessfulSyncAt,
        c.statusReasonCode ? `${c.statusReasonCode}: ${c.statusReason ?? ''}` : c.statusReason,
      ]),
    ),
  );
  out.line(shownLine(paged, 'connector'));
  return 0;
}
