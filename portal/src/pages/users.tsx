import { useQuery } from 'urql';
import { ErrorNotice } from '../components/error-notice';
import { DirectoryUsersQuery } from '../lib/sync-operations';
import { MoreRow, SearchForm, usePagedSearch } from '../components/form-parts';

/** The company's users; those the connector manages show "Azure AD" in Managed By. */
export function UsersPanel({ companyId }: { companyId: string }) {
  const { search, pages, searchFor, more } = usePagedSearch();
  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <SearchForm
        id="user-search"
        label="Search users by email or name"
        placeholder="Email or name"
        onSearch={searchFor}
      />
      <table className="list" aria-label="Users">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Status</th>
            <th scope="col">Managed By</th>
          </tr>
        </thead>
        {pages.map((after, index) => (
          <UserRows
            key={`${search}:${after ?? ''}`}
            companyId={companyId}
            search={search}
            after={after}
            isLast={index === pages.length - 1}
            onMore={more}
          />
        ))}
      </table>
    </section>
  );
}

function UserRows(props: {
  companyId: string;
  search: string;
  after: string | null;
  isLast: boolean;
  onMore: (cursor: string) => void;
}) {
  const [result] = useQuery({
    query: DirectoryUsersQuery,
    variables: { companyId: props.companyId, search: props.search || null, after: props.after },
  });
  const page = result.data?.directoryUsers;
  return (
    <tbody>
      {result.error && (
        <tr>
          <td colSpan={4}>
            <ErrorNotice error={result.error} />
          </td>
        </tr>
      )}
      {page?.nodes.map((u) => (
        <tr key={u.id} data-user-status={u.status}>
          <td data-label="Name">{u.displayName}</td>
          <td data-label="Email">{u.email}</td>
          <td data-label="Status">
            {u.status.toLowerCase().replace(/_/g, ' ')}
            {u.statusReason && (
              <span className="hint"> ({u.statusReason.toLowerCase().replace(/_/g, ' ')})</span>
            )}
          </td>
          <td data-label="Managed By">{u.managedBy === 'AZURE_AD' ? 'Azure AD' : '—'}</td>
        </tr>
      ))}
      {page && props.after === null && (
        <tr className="total">
          <td colSpan={4}>{page.totalCount} users</td>
        </tr>
      )}
      <MoreRow
        show={props.isLast}
        pageInfo={page?.pageInfo}
        colSpan={4}
        label="More users"
        onMore={props.onMore}
      />
    </tbody>
  );
}
