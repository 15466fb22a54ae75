import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { ErrorNotice, Notice } from '../components/error-notice';
import type { ConnectorQuery as ConnectorQueryResult } from '../gql/graphql';
import {
  EntraGroupsQuery,
  SelectSyncGroupMutation,
  SetSyncedGroupsMutation,
} from '../lib/operations';
import { MoreRow, SearchForm, usePagedSearch } from '../components/form-parts';

type Connector = ConnectorQueryResult['connector'];
interface Group {
  id: string;
  name: string;
}

/**
 * Users & Groups: search the tenant's security groups (live from Graph), select the one sync
 * group (the green button), and optionally groups to sync.
 */
export function GroupsTab({ connector, onNext }: { connector: Connector; onNext: () => void }) {
  const { search, pages, searchFor, more } = usePagedSearch();
  const [extra, setExtra] = useState<Group[]>(connector.syncedGroups.map((g) => ({ ...g })));
  const [picked, pick] = useMutation(SelectSyncGroupMutation);
  const [savedExtra, saveExtra] = useMutation(SetSyncedGroupsMutation);

  if (!connector.verified) {
    return (
      <Notice tone="info" title="Verify the connection first">
        <p>
          The group picker reads the tenant&apos;s groups with the connector&apos;s credentials
          (Azure Auth tab).
        </p>
      </Notice>
    );
  }
  const toggleExtra = (group: Group, on: boolean) =>
    setExtra((current) =>
      on
        ? [...current.filter((g) => g.id !== group.id), group]
        : current.filter((g) => g.id !== group.id),
    );
  const next = async () => {
    const answer = await saveExtra({ connectorId: connector.id, groupIds: extra.map((g) => g.id) });
    if (!answer.error) onNext();
  };

  return (
    <section aria-labelledby="groups-title">
      <h2 id="groups-title">Users &amp; Groups</h2>
      <p>
        Sync group:{' '}
        <strong data-testid="sync-group">{connector.syncGroup?.name ?? 'none selected'}</strong>.
        Its members become users of the company. Use a dedicated group; only one can be selected.
      </p>
      <SearchForm
        id="group-search"
        label="Search Entra groups"
        placeholder="Search Entra groups by name"
        onSearch={searchFor}
      />
      <ErrorNotice error={picked.error ?? savedExtra.error} />
      <table className="list" aria-label="Entra groups">
        <thead>
          <tr>
            <th scope="col">Group</th>
            <th scope="col">Sync group</th>
            <th scope="col">Also sync</th>
          </tr>
        </thead>
        {pages.map((after, index) => (
          <GroupPage
            key={`${search}:${after ?? ''}`}
            connectorId={connector.id}
            search={search}
            after={after}
            isLast={index === pages.length - 1}
            onMore={more}
            syncGroupId={connector.syncGroup?.id ?? null}
            extraIds={new Set(extra.map((g) => g.id))}
            onPick={(group) => void pick({ connectorId: connector.id, groupId: group.id })}
            onToggle={toggleExtra}
          />
        ))}
      </table>
      <h3>Groups to sync (optional)</h3>
      <p className="hint">
        Synced as long as they contain users of the sync group; empty groups are not synced.
      </p>
      {extra.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul className="chips">
          {extra.map((g) => (
            <li key={g.id}>
              {g.name}{' '}
              <button
                type="button"
                className="link"
                aria-label={`Remove ${g.name}`}
                onClick={() => toggleExtra(g, false)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="row">
        <button
          type="button"
          onClick={() => void next()}
          disabled={!connector.syncGroup || savedExtra.fetching}
        >
          Next
        </button>
      </div>
    </section>
  );
}

function GroupPage(props: {
  connectorId: string;
  search: string;
  after: string | null;
  isLast: boolean;
  onMore: (cursor: string) => void;
  syncGroupId: string | null;
  extraIds: Set<string>;
  onPick: (group: Group) => void;
  onToggle: (group: Group, on: boolean) => void;
}) {
  const [result] = useQuery({
    query: EntraGroupsQuery,
    variables: { connectorId: props.connectorId, search: props.search || null, after: props.after },
  });
  const page = result.data?.entraGroups;
  return (
    <tbody aria-busy={result.fetching}>
      {result.error && (
        <tr>
          <td colSpan={3}>
            <ErrorNotice error={result.error} />
          </td>
        </tr>
      )}
      {page?.edges.map(({ node }) => {
        const group = { id: node.id, name: node.displayName };
        const isSync = node.id === props.syncGroupId;
        return (
          <tr key={node.id} data-group-id={node.id}>
            <td data-label="Group">
              {node.displayName}
              {node.description && <p className="hint">{node.description}</p>}
            </td>
            <td data-label="Sync group">
              <button
                type="button"
                className={isSync ? 'success' : 'success outline'}
                aria-pressed={isSync}
                aria-label={`Select ${node.displayName} as the sync group`}
                onClick={() => props.onPick(group)}
              >
                {isSync ? '✓ Selected' : 'Select'}
              </button>
            </td>
            <td data-label="Also sync">
              <input
                type="checkbox"
                aria-label={`Also sync ${node.displayName}`}
                disabled={isSync}
                checked={props.extraIds.has(node.id)}
                onChange={(e) => props.onToggle(group, e.target.checked)}
              />
            </td>
          </tr>
        );
      })}
      {page && page.edges.length === 0 && props.after === null && (
        <tr>
          <td colSpan={3}>No security group matches.</td>
        </tr>
      )}
      <MoreRow
        show={props.isLast}
        pageInfo={page?.pageInfo}
        colSpan={3}
        label="More groups"
        onMore={props.onMore}
      />
    </tbody>
  );
}
