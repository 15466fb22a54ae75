import { useEffect, useMemo, useState } from 'react';
import { Provider } from 'urql';
import { Link, Redirect, Route, Router, Switch } from 'wouter';
import { createHubClient } from './lib/client';
import { clearSession, loadSession, saveSession, type Session } from './lib/session';
import { CompaniesPage } from './pages/companies';
import { CompanyPage } from './pages/company';
import { ConnectorEditPage } from './pages/connector-edit';
import { ConsentLanding } from './pages/consent';
import { RunPage } from './pages/run';
import { RunsPage } from './pages/runs';
import { SignInPage } from './pages/sign-in';

export const PORTAL_BASE = '/portal';

/** Signed out: the sign-in screen at any address (the address is kept for after sign-in). */
export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const hub = useMemo(() => (session ? createHubClient(session.authorization) : null), [session]);
  useEffect(() => () => hub?.dispose(), [hub]);

  const signIn = (token: string): boolean => {
    const next = saveSession(token);
    if (next) setSession(next);
    return next !== null;
  };
  const signOut = () => {
    clearSession();
    setSession(null);
  };

  if (!session || !hub) {
    return (
      <Router base={PORTAL_BASE}>
        <SignInPage onSignIn={signIn} />
      </Router>
    );
  }
  return (
    <Provider value={hub.client}>
      <Router base={PORTAL_BASE}>
        <Shell session={session} onSignOut={signOut}>
          <Switch>
            <Route path="/">
              <Redirect to="/companies" replace />
            </Route>
            <Route path="/sign-in">
              <Redirect to="/companies" replace />
            </Route>
            <Route path="/companies">
              <CompaniesPage session={session} />
            </Route>
            <Route path="/companies/:companyId">
              {(p) => <CompanyPage companyId={p.companyId} view="connectors" />}
            </Route>
            <Route path="/companies/:companyId/users">
              {(p) => <CompanyPage companyId={p.companyId} view="users" />}
            </Route>
            <Route path="/connectors/:connectorId/runs">
              {(p) => <RunsPage connectorId={p.connectorId} />}
            </Route>
            <Route path="/connectors/:connectorId/:tab">
              {(p) => <ConnectorEditPage connectorId={p.connectorId} tab={p.tab} />}
            </Route>
            <Route path="/runs/:runId">{(p) => <RunPage runId={p.runId} />}</Route>
            <Route path="/consent">
              <ConsentLanding />
            </Route>
            <Route>
              <main id="main">
                <h1>Page not found</h1>
                <Link href="/companies">Back to the companies</Link>
              </main>
            </Route>
          </Switch>
        </Shell>
      </Router>
    </Provider>
  );
}

function Shell({
  session,
  onSignOut,
  children,
}: {
  session: Session;
  onSignOut: () => void;
  children: React.ReactNode;
}) {
  const who =
    session.role === 'PARTNER_ADMIN'
      ? `partner admin (${session.partnerId ?? '?'})`
      : session.role === 'COMPANY_ADMIN'
        ? 'company admin'
        : 'signed in';
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link href="/companies" className="brand">
          Password Boss <span>Entra ID connector hub</span>
        </Link>
        <nav aria-label="Main">
          <Link href="/companies">Companies</Link>
          <a href="/graphql">GraphiQL</a>
        </nav>
        <div className="who">
          <span data-testid="signed-in-as">{who}</span>
          <button type="button" className="secondary" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      {children}
    </>
  );
}
