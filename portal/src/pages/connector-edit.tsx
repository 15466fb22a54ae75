import * as Tabs from '@radix-ui/react-tabs';
import { useQuery } from 'urql';
import { Link, useLocation } from 'wouter';
import { StatusBadge } from '../components/badges';
import { ErrorNotice } from '../components/error-notice';
import { ConnectorQuery } from '../lib/operations';
import { AzureAuthTab } from './azure-auth';
import { GroupsTab } from './groups';
import { SyncRulesTab } from './sync-rules';

const TABS = [
  { value: 'auth', label: 'Azure Auth' },
  { value: 'groups', label: 'Users & Groups' },
  { value: 'rules', label: 'Sync Rules' },
] as const;

/**
 * Edit connector: the seed's three tabs (Radix Tabs: arrow keys move between them). The tab is
 * in the address, so the consent round trip comes back to Azure Auth.
 */
export function ConnectorEditPage({ connectorId, tab }: { connectorId: string; tab: string }) {
  const [, navigate] = useLocation();
  const [result] = useQuery({ query: ConnectorQuery, variables: { id: connectorId } });
  const connector = result.data?.connector;
  const go = (next: string) => navigate(`/connectors/${connectorId}/${next}`);
  return (
    <main id="main">
      <p className="crumbs">
        <Link href="/companies">Companies</Link> /{' '}
        {connector && <Link href={`/companies/${connector.companyId}`}>Connectors</Link>}
      </p>
      <h1>
        Edit connector{connector ? `: ${connector.name}` : ''}{' '}
        {connector && <StatusBadge status={connector.status} />}
      </h1>
      <ErrorNotice error={result.error} />
      {connector && (
        <>
          <p className="row wrap">
            <Link href={`/connectors/${connectorId}/runs`}>Sync runs</Link>
          </p>
          <Tabs.Root value={tab} onValueChange={go} activationMode="manual">
            <Tabs.List className="tabs" aria-label="Connector settings">
              {TABS.map((t) => (
                <Tabs.Trigger key={t.value} value={t.value} className="tab">
                  {t.label}
                </Tabs.Trigger>
              ))}
            </Tabs.List>
            <Tabs.Content value="auth" className="tab-panel">
              <AzureAuthTab connector={connector} onNext={() => go('groups')} />
            </Tabs.Content>
            <Tabs.Content value="groups" className="tab-panel">
              <GroupsTab connector={connector} onNext={() => go('rules')} />
            </Tabs.Content>
            <Tabs.Content value="rules" className="tab-panel">
              <SyncRulesTab
                connector={connector}
                onSaved={() => navigate(`/companies/${connector.companyId}`)}
              />
            </Tabs.Content>
          </Tabs.Root>
        </>
      )}
    </main>
  );
}
