import { useState, type FormEvent } from 'react';
import { useQuery } from 'urql';
import { ErrorNotice } from '../components/error-notice';
import { DirectoryUsersQuery } from '../lib/sync-operations';
import { MoreRow } from '../components/fields';

/** The company's users; those the connector manages show "Azure AD" in Managed By. */
export function UsersPanel({ companyId }: { companyId: string }) {
  const [draft, setDraft] = useState('');
  const [search, setSearch] = useState('');
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch(draft.trim());
    setPages([null]);
  };
  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <form className="row wrap" role="search" onSubmit={submit}>
        <label htmlFor="user-search" className="sr-only">
          Search users by email or name
        </label>
        <input
          id="user-search"
          type="search"
          placeholder="Email or name"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit" className="secondary">
          Search
        </button>
      </form>
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
            onMore={(cursor) => setPages((p) => [...p, cursor])}
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
