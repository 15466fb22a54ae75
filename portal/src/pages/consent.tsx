import { Link, Redirect, useSearch } from 'wouter';
import { Notice } from '../components/error-notice';
import { reasonAction } from '../lib/errors';

/**
 * Where the hub's /azure/callback sends the browser after Microsoft's consent page
 * (`?connectorId=&result=verified|denied|error&reason=`): back to the connector's Azure Auth tab,
 * which shows the outcome.
 */
export function ConsentLanding() {
  const query = new URLSearchParams(useSearch());
  const connectorId = query.get('connectorId');
  const result = query.get('result') ?? 'error';
  const reason = query.get('reason');
  if (connectorId && /^[\w-]+$/.test(connectorId)) {
    const back = new URLSearchParams({ result, ...(reason ? { reason } : {}) });
    return <Redirect to={`/connectors/${connectorId}/auth?${back.toString()}`} replace />;
  }
  return (
    <main id="main">
      <h1>Connection not verified</h1>
      <Notice tone="error" title="The consent could not be matched to a connector">
        <p className="action">
          <span className="label">What to do: </span>
          {reasonAction(reason) ?? 'Open the connector and click Verify Connection again.'}
        </p>
      </Notice>
      <Link href="/companies">Back to the companies</Link>
    </main>
  );
}
