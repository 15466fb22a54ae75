import { useQuery } from 'urql';
import { Link } from 'wouter';
import { CompaniesQuery } from '../lib/operations';
import { ConnectorsPanel } from './connectors';
import { UsersPanel } from './users';

/** One company: its Connectors tab (the seed's Partner Portal) and its Users tab. */
export function CompanyPage({
  companyId,
  view,
}: {
  companyId: string;
  view: 'connectors' | 'users';
}) {
  const [companies] = useQuery({ query: CompaniesQuery });
  const company = companies.data?.companies.find((c) => c.id === companyId);
  return (
    <main id="main">
      <p className="crumbs">
        <Link href="/companies">Companies</Link> /
      </p>
      <h1>{company?.name ?? 'Company'}</h1>
      <nav className="subnav" aria-label="Company">
        <Link
          href={`/companies/${companyId}`}
          aria-current={view === 'connectors' ? 'page' : undefined}
        >
          Connectors
        </Link>
        <Link
          href={`/companies/${companyId}/users`}
          aria-current={view === 'users' ? 'page' : undefined}
        >
          Users
        </Link>
      </nav>
      {view === 'connectors' ? (
        <ConnectorsPanel companyId={companyId} />
      ) : (
        <UsersPanel companyId={companyId} />
      )}
    </main>
  );
}
