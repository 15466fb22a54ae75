import { useEffect, useState, type FormEvent } from 'react';
import { fetchDevSignIns, type DevSignIn } from '../lib/session';

/**
 * Sign-in. A real portal signs its admins in itself and mints the hub's JWT (docs/api.md,
 * Authentication); here the admin pastes one. In development (`npm run dev`) the hub also offers
 * the demo partner admin and company admin as one-click buttons.
 */
export function SignInPage({ onSignIn }: { onSignIn: (token: string) => boolean }) {
  const [devSignIns, setDevSignIns] = useState<DevSignIn[]>([]);
  const [token, setToken] = useState('');
  const [invalid, setInvalid] = useState(false);
  useEffect(() => {
    void fetchDevSignIns().then(setDevSignIns);
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setInvalid(!onSignIn(token));
  };

  return (
    <main id="main" className="narrow">
      <h1>Sign in to the admin portal</h1>
      {devSignIns.length > 0 && (
        <section aria-labelledby="dev-sign-in">
          <h2 id="dev-sign-in">Development: sign in as a demo admin</h2>
          <div className="row wrap">
            {devSignIns.map((s) => (
              <button key={s.label} type="button" onClick={() => onSignIn(s.authorization)}>
                Sign in as the {s.label}
              </button>
            ))}
          </div>
        </section>
      )}
      <form onSubmit={submit} aria-labelledby="paste-jwt">
        <h2 id="paste-jwt">Paste a portal JWT</h2>
        <label htmlFor="jwt">JWT (a partner admin&apos;s or a company admin&apos;s)</label>
        <textarea
          id="jwt"
          rows={4}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={invalid}
          aria-describedby="jwt-hint"
          spellCheck={false}
          required
        />
        <p id="jwt-hint" className="hint">
          {invalid ? 'That is not a JWT (three base64url parts separated by dots). ' : ''}
          With <code>npm run dev</code>: <code>partnerAdminJwt</code> or{' '}
          <code>companyAdminJwt</code> in <code>.dev/stack.json</code>, or{' '}
          <code>npm run hub -- token</code>.
        </p>
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
