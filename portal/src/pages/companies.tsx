import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link, Redirect } from 'wouter';
import { ErrorNotice } from '../components/error-notice';
import type { Session } from '../lib/session';
import { CompaniesQuery, CreateCompanyMutation } from '../lib/operations';

/** A partner's companies (a company admin sees only its own and goes straight to it). */
export function CompaniesPage({ session }: { session: Session }) {
  const [result] = useQuery({ query: CompaniesQuery });
  const companies = result.data?.companies ?? [];
  if (session.role === 'COMPANY_ADMIN' && companies.length === 1) {
    return <Redirect to={`/companies/${companies[0]!.id}`} replace />;
  }
  return (
    <main id="main">
      <h1>Companies</h1>
      <ErrorNotice error={result.error} />
      {result.fetching && !result.data && <p role="status">Loading…</p>}
      {result.data && companies.length === 0 && <p>No companies yet.</p>}
      {companies.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Company</th>
              <th scope="col">Seats</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {companies.map((c) => (
              <tr key={c.id}>
                <td data-label="Company">
                  <Link href={`/companies/${c.id}`}>{c.name}</Link>
                </td>
                <td data-label="Seats">{c.seatLimit ?? 'unlimited'}</td>
                <td data-label="Created">{new Date(c.createdAt).toLocaleDateString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {session.role === 'PARTNER_ADMIN' && <AddCompany />}
    </main>
  );
}

function AddCompany() {
  const [name, setName] = useState('');
  const [seats, setSeats] = useState('');
  const [created, create] = useMutation(CreateCompanyMutation);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const seatLimit = seats.trim() === '' ? null : Number(seats);
    const answer = await create({ input: { name, seatLimit } });
    if (!answer.error) {
      setName('');
      setSeats('');
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="add-company">
      <h2 id="add-company">Add a company</h2>
      <div className="fields">
        <div>
          <label htmlFor="company-name">Name</label>
          <input
            id="company-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            maxLength={200}
          />
        </div>
        <div>
          <label htmlFor="company-seats">Seat limit (empty = unlimited)</label>
          <input
            id="company-seats"
            type="number"
            min={1}
            value={seats}
            onChange={(e) => setSeats(e.target.value)}
          />
        </div>
      </div>
      <ErrorNotice error={created.error} />
      <button type="submit" disabled={created.fetching}>
        Add company
      </button>
    </form>
  );
}
