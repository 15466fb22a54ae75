import { useState } from 'react';

/**
 * The connector's authentication token, shown once ("Save the Authentication token for future
 * use"): the hub keeps only a hash and never returns it again.
 */
export function TokenReveal({ token }: { token: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token);
      setCopied('yes');
    } catch {
      // No clipboard outside a secure context: the field is selected for Ctrl+C instead.
      (document.getElementById('connector-token') as HTMLInputElement | null)?.select();
      setCopied('failed');
    }
  };
  return (
    <div className="token">
      <p className="notice notice-warning" role="status">
        <strong>Save it now.</strong> This authentication token is shown only once; the hub keeps
        only a hash of it. Rotate it from the Actions menu if it is lost.
      </p>
      <label htmlFor="connector-token">Authentication token</label>
      <div className="row">
        <input
          id="connector-token"
          readOnly
          value={token}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p role="status" className="hint">
        {copied === 'yes'
          ? 'Copied to the clipboard.'
          : copied === 'failed'
            ? 'Selected: press Ctrl+C to copy.'
            : ''}
      </p>
    </div>
  );
}
