import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { useSearch } from 'wouter';
import { ErrorNotice, Notice } from '../components/error-notice';
import { Field } from '../components/form-parts';
import type { ConnectorQuery as ConnectorQueryResult } from '../gql/graphql';
import { reasonAction } from '../lib/errors';
import { SetCredentialsMutation, VerifyConnectionMutation } from '../lib/operations';

type Connector = ConnectorQueryResult['connector'];

/**
 * Azure Auth: "Enter the client ID, Client Secret, and Tenant, and click Verify Connection". When
 * the hub answers with a `consentUrl`, the browser goes to Microsoft's admin-consent page; the
 * hub's /azure/callback sends it back here (/portal/consent) with the outcome.
 */
export function AzureAuthTab({ connector, onNext }: { connector: Connector; onNext: () => void }) {
  const search = new URLSearchParams(useSearch());
  const [tenantId, setTenantId] = useState(connector.tenantId ?? '');
  const [clientId, setClientId] = useState(connector.clientId ?? '');
  const [secret, setSecret] = useState('');
  const [expires, setExpires] = useState('');
  const [saved, saveCredentials] = useMutation(SetCredentialsMutation);
  const [verification, verify] = useMutation(VerifyConnectionMutation);
  const [redirecting, setRedirecting] = useState(false);

  const changed =
    secret !== '' ||
    tenantId.trim() !== (connector.tenantId ?? '') ||
    clientId.trim() !== (connector.clientId ?? '');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (changed) {
      const answer = await saveCredentials({
        input: {
          connectorId: connector.id,
          tenantId: tenantId.trim(),
          clientId: clientId.trim(),
          clientSecret: secret,
          ...(expires ? { clientSecretExpiresAt: new Date(expires).toISOString() } : {}),
        },
      });
      if (answer.error) return;
      setSecret('');
    }
    const answer = await verify({ connectorId: connector.id });
    const consentUrl = answer.data?.verifyConnection.consentUrl;
    if (consentUrl) {
      // "You will be redirected to Microsoft in your browser to authorize the connection."
      setRedirecting(true);
      window.location.assign(consentUrl);
    }
  };

  const result = verification.data?.verifyConnection;
  const consent = search.get('result');
  const showVerified = result ? result.verified : connector.verified;
  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby="azure-auth-title">
      <h2 id="azure-auth-title">Azure Auth</h2>
      <p className="hint">
        From the app registration: the Overview page (Application (client) ID, Directory (tenant)
        ID) and Certificates &amp; secrets (the secret&apos;s <strong>Value</strong>).
      </p>
      {consent && !result && <ConsentOutcome result={consent} reason={search.get('reason')} />}
      <div className="fields">
        <Field
          id="tenant-id"
          label="Directory (tenant) ID"
          value={tenantId}
          onValue={setTenantId}
          required
        />
        <Field
          id="client-id"
          label="Application (client) ID"
          value={clientId}
          onValue={setClientId}
          required
        />
        <Field
          id="client-secret"
          label="Client secret Value"
          type="password"
          value={secret}
          onValue={setSecret}
          required={
            !connector.clientSecretHint ||
            tenantId.trim() !== (connector.tenantId ?? '') ||
            clientId.trim() !== (connector.clientId ?? '')
          }
          aria-describedby="secret-hint"
        >
          <p id="secret-hint" className="hint">
            {connector.clientSecretHint
              ? `Stored: ${connector.clientSecretHint} (never shown). Enter a new Value to replace it.`
              : 'Stored encrypted; never shown again.'}
            {connector.secretExpiresInDays != null &&
              ` Expires in ${connector.secretExpiresInDays} days.`}
          </p>
        </Field>
        <Field
          id="secret-expires"
          label="Secret expires (optional; default 24 months)"
          type="date"
          value={expires}
          onValue={setExpires}
        />
      </div>
      {connector.secretExpiryWarning && (
        <Notice tone="warning" title={connector.secretExpiryWarning} />
      )}
      <ErrorNotice error={saved.error ?? verification.error} />
      {result && !result.verified && result.error && (
        <Notice tone={result.consentUrl ? 'info' : 'error'} title={result.error.message}>
          {reasonAction(result.error.reason) && (
            <p className="action">
              <span className="label">What to do: </span>
              {reasonAction(result.error.reason)}
            </p>
          )}
          {result.error.missingPermissions.length > 0 && (
            <p>Missing permissions: {result.error.missingPermissions.join(', ')}</p>
          )}
        </Notice>
      )}
      {redirecting && result?.consentUrl && (
        <Notice tone="info" title="Redirecting to Microsoft to grant admin consent…">
          <p>
            Sign in as an admin of the tenant and click <strong>Accept</strong>.{' '}
            <a href={result.consentUrl}>Continue to Microsoft</a>
          </p>
        </Notice>
      )}
      {showVerified && (!consent || result) && (
        <Notice tone="success" title="Connection Verified">
          {connector.verifiedAt && (
            <p>Verified {new Date(connector.verifiedAt).toLocaleString()}.</p>
          )}
        </Notice>
      )}
      <div className="row">
        <button type="submit" disabled={saved.fetching || verification.fetching || redirecting}>
          Verify Connection
        </button>
        <button type="button" className="secondary" onClick={onNext} disabled={!connector.verified}>
          Next
        </button>
      </div>
    </form>
  );
}

/** Back from Microsoft: the outcome /azure/callback put in the address (a fixed vocabulary). */
function ConsentOutcome({ result, reason }: { result: string; reason: string | null }) {
  if (result === 'verified') {
    return (
      <Notice tone="success" title="Connection Verified">
        <p>
          Admin consent was granted and the connection works. Click Next to pick the sync group.
        </p>
      </Notice>
    );
  }
  return (
    <Notice
      tone="error"
      title={result === 'denied' ? 'Consent declined' : 'Connection not verified'}
    >
      <p className="action">
        <span className="label">What to do: </span>
        {reasonAction(reason) ?? `Click Verify Connection again (${reason ?? 'no reason given'}).`}
      </p>
    </Notice>
  );
}
