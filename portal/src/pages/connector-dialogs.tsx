import { useState } from 'react';
import { useMutation } from 'urql';
import { useLocation } from 'wouter';
import { Dialog, DialogClose } from '../components/dialog';
import { ErrorNotice } from '../components/error-notice';
import { TokenReveal } from '../components/token-reveal';
import {
  InstallConnectorMutation,
  RotateTokenMutation,
  UninstallConnectorMutation,
} from '../lib/operations';

/*
 * Each dialog's steps live in a child of the dialog's content: closing the dialog unmounts them,
 * so a token shown once is gone for good and the next opening starts afresh.
 */

/**
 * "Click Install", then "Save the Authentication token for future use and click Next". Stays
 * mounted once the list shows the new connector, so the token stays on screen until Next.
 */
export function InstallDialog({
  companyId,
  canInstall,
}: {
  companyId: string;
  canInstall: boolean;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      {canInstall && (
        <button type="button" onClick={() => setOpen(true)}>
          Install
        </button>
      )}
      <Dialog
        open={open}
        onOpenChange={setOpen}
        title="Install the Azure AD connector"
        description="Creates the connector for this company and its authentication token."
      >
        <InstallSteps companyId={companyId} />
      </Dialog>
    </>
  );
}

function InstallSteps({ companyId }: { companyId: string }) {
  const [, navigate] = useLocation();
  const [installed, install] = useMutation(InstallConnectorMutation);
  const answer = installed.data?.installConnector;
  return (
    <>
      <ErrorNotice error={installed.error} />
      {answer ? (
        <>
          <TokenReveal token={answer.authenticationToken} />
          <div className="row end">
            <button
              type="button"
              onClick={() => navigate(`/connectors/${answer.connector.id}/auth`)}
            >
              Next
            </button>
          </div>
        </>
      ) : (
        <div className="row end">
          <DialogClose className="button secondary">Cancel</DialogClose>
          <button
            type="button"
            disabled={installed.fetching}
            onClick={() => void install({ input: { companyId, name: 'Azure AD' } })}
          >
            Install
          </button>
        </div>
      )}
    </>
  );
}

export function RotateTokenDialog(props: {
  connectorId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  return (
    <Dialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title="Rotate the authentication token"
      description="A new token replaces the current one, which stops working at once."
    >
      <RotateSteps connectorId={props.connectorId} />
    </Dialog>
  );
}

function RotateSteps({ connectorId }: { connectorId: string }) {
  const [rotated, rotate] = useMutation(RotateTokenMutation);
  const token = rotated.data?.rotateConnectorToken.authenticationToken;
  return (
    <>
      <ErrorNotice error={rotated.error} />
      {token ? (
        <>
          <TokenReveal token={token} />
          <div className="row end">
            <DialogClose className="button">Done</DialogClose>
          </div>
        </>
      ) : (
        <div className="row end">
          <DialogClose className="button secondary">Cancel</DialogClose>
          <button
            type="button"
            disabled={rotated.fetching}
            onClick={() => void rotate({ connectorId })}
          >
            Rotate token
          </button>
        </div>
      )}
    </>
  );
}

export function UninstallDialog(props: {
  connector: { id: string; name: string };
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onUninstalled: () => void;
}) {
  return (
    <Dialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title={`Uninstall ${props.connector.name}?`}
      description="Syncing stops and the client secret and token are deleted. The users stay, no longer managed by Azure AD."
    >
      <UninstallSteps {...props} />
    </Dialog>
  );
}

function UninstallSteps(props: {
  connector: { id: string };
  onOpenChange: (open: boolean) => void;
  onUninstalled: () => void;
}) {
  const [removed, uninstall] = useMutation(UninstallConnectorMutation);
  const confirm = async () => {
    const answer = await uninstall({ connectorId: props.connector.id });
    if (!answer.error) {
      props.onOpenChange(false);
      props.onUninstalled();
    }
  };
  return (
    <>
      <ErrorNotice error={removed.error} />
      <div className="row end">
        <DialogClose className="button secondary">Cancel</DialogClose>
        <button
          type="button"
          className="danger"
          disabled={removed.fetching}
          onClick={() => void confirm()}
        >
          Uninstall
        </button>
      </div>
    </>
  );
}
