import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { Link, useLocation } from 'wouter';
import { ActionsMenu } from '../components/actions-menu';
import { connectorStatusLabel, StatusBadge } from '../components/badges';
import { ErrorNotice } from '../components/error-notice';
import { RunProgress } from '../components/run-progress';
import {
  ConnectorsQuery,
  ConnectorStatusSubscription,
  SetConnectorEnabledMutation,
  SynchronizeNowMutation,
} from '../lib/operations';
import { InstallDialog, RotateTokenDialog, UninstallDialog } from './connector-dialogs';

type Dialog = 'rotate' | 'uninstall' | null;

/**
 * The Connectors tab: one row per connector with its live status badge (connectorStatusChanged)
 * and reason; select it and use the Actions menu, as the seed guide says.
 */
export function ConnectorsPanel({ companyId }: { companyId: string }) {
  const [, navigate] = useLocation();
  // An empty list names no type: tell the cache that installs (a Connector) refresh it too.
  const context = useMemo(() => ({ additionalTypenames: ['Connector'] }), []);
  const [result, refetch] = useQuery({ query: ConnectorsQuery, variables: { companyId }, context });
  const [live] = useSubscription({ query: ConnectorStatusSubscription, variables: { companyId } });
  const event = live.data?.connectorStatusChanged;
  useEffect(() => {
    // The event says what changed; the list is read again for everything else on the row.
    if (event) refetch({ requestPolicy: 'network-only' });
  }, [event, refetch]);

  // One connector per company: the first page is all of them.
  const connectors = result.data?.connectors.nodes ?? [];
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const selected = connectors.find((c) => c.id === selectedId) ?? null;
  const [dialog, setDialog] = useState<Dialog>(null);
  const [runId, setRunId] = useState<string | null>(null);
  const [sync, synchronize] = useMutation(SynchronizeNowMutation);
  const [enabling, setEnabled] = useMutation(SetConnectorEnabledMutation);

  const synchronizeNow = async (connectorId: string) => {
    setRunId(null);
    const answer = await synchronize({ connectorId });
    if (answer.data) setRunId(answer.data.synchronizeNow.runId);
  };

  return (
    <section aria-labelledby="connectors-title">
      <div className="toolbar">
        <h2 id="connectors-title">Connectors</h2>
        <InstallDialog
          companyId={companyId}
          canInstall={!!result.data && connectors.length === 0}
        />
        <ActionsMenu
          disabled={!selected}
          actions={
            selected
              ? [
                  { label: 'Edit', onSelect: () => navigate(`/connectors/${selected.id}/auth`) },
                  {
                    label: 'Synchronize Now',
                    disabled: !selected.activatedAt || !selected.enabled,
                    onSelect: () => void synchronizeNow(selected.id),
                  },
                  {
                    label: 'Sync runs',
                    onSelect: () => navigate(`/connectors/${selected.id}/runs`),
                  },
                  {
                    label: selected.enabled && selected.activatedAt ? 'Disable' : 'Enable',
                    disabled: !selected.activatedAt,
                    onSelect: () =>
                      void setEnabled({ connectorId: selected.id, enabled: !selected.enabled }),
                  },
                  { label: 'Rotate token', onSelect: () => setDialog('rotate') },
                  { label: 'Uninstall', danger: true, onSelect: () => setDialog('uninstall') },
                ]
              : []
          }
        />
      </div>
      <p className="sr-live" role="status" aria-live="polite">
        {event
          ? `Live: ${connectorStatusLabel(event.status)}${event.statusReason ? `: ${event.statusReason}` : ''}`
          : ''}
      </p>
      <ErrorNotice error={result.error ?? live.error ?? sync.error ?? enabling.error} />
      {result.data && connectors.length === 0 && (
        <p>
          No connector yet. Install the Azure AD connector to sync users from Microsoft Entra ID.
        </p>
      )}
      {connectors.length > 0 && (
        <table className="list" aria-label="Connectors">
          <thead>
            <tr>
              <th scope="col">
                <span className="sr-only">Select</span>
              </th>
              <th scope="col">Connector</th>
              <th scope="col">Status</th>
              <th scope="col">Sync group</th>
              <th scope="col">Last successful sync</th>
            </tr>
          </thead>
          <tbody>
            {connectors.map((c) => (
              <tr key={c.id} data-connector-id={c.id} aria-selected={c.id === selectedId}>
                <td data-label="Select">
                  <input
                    type="checkbox"
                    aria-label={`Select ${c.name}`}
                    checked={c.id === selectedId}
                    onChange={(e) => setSelectedId(e.target.checked ? c.id : null)}
                  />
                </td>
                <td data-label="Connector">
                  <Link href={`/connectors/${c.id}/auth`}>{c.name}</Link>
                  {c.secretExpiryWarning && <p className="hint warn">{c.secretExpiryWarning}</p>}
                </td>
                <td data-label="Status">
                  <StatusBadge status={c.status} />
                  <p className="reason">{statusReason(c)}</p>
                </td>
                <td data-label="Sync group">{c.syncGroup?.name ?? '—'}</td>
                <td data-label="Last successful sync">
                  {c.lastSuccessfulSyncAt
                    ? new Date(c.lastSuccessfulSyncAt).toLocaleString()
                    : 'never'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {runId && selected && <RunProgress connectorId={selected.id} runId={runId} />}
      {selected && (
        <>
          <RotateTokenDialog
            connectorId={selected.id}
            open={dialog === 'rotate'}
            onOpenChange={(open) => setDialog(open ? 'rotate' : null)}
          />
          <UninstallDialog
            connector={selected}
            open={dialog === 'uninstall'}
            onOpenChange={(open) => setDialog(open ? 'uninstall' : null)}
            onUninstalled={() => {
              setSelectedId(null);
              refetch({ requestPolicy: 'network-only' });
            }}
          />
        </>
      )}
    </section>
  );
}

function statusReason(c: {
  status: string;
  statusReason?: string | null;
  verified: boolean;
  syncGroup?: { name: string } | null;
}): string {
  if (c.statusReason) return c.statusReason;
  if (c.status !== 'NOT_SAVED') return '';
  if (!c.verified) return 'Next: enter the credentials and Verify Connection (Edit).';
  if (!c.syncGroup) return 'Next: select the sync group (Edit, Users & Groups).';
  return 'Next: review the sync rules and Save Changes (Edit, Sync Rules).';
}
