import { registerEnumType } from 'type-graphql';
import {
  ConnectorKind,
  ConnectorStatus,
  ConnectorStatusReasonCode,
} from '../../domain/connector.js';
import { ErrorCode } from '../../domain/errors.js';
import {
  AttributeChangeAction,
  DeprovisionAction,
  ReenableAction,
  UserAddedAction,
} from '../../domain/sync-rules.js';

registerEnumType(ConnectorStatus, {
  name: 'ConnectorStatus',
  valuesConfig: {
    NOT_SAVED: { description: 'Installed; the wizard is not finished (Save changes not clicked).' },
    WAITING_FOR_CONNECTION: {
      description: 'Saved; the first successful sync has not happened yet.',
    },
    CONNECTED: { description: 'The last connection to Microsoft succeeded.' },
    UNAUTHORIZED: { description: 'Entra refused the credentials, consent or permissions.' },
    ERROR: { description: 'Something else the admin must fix, e.g. the sync group was deleted.' },
    DISABLED: { description: 'Turned off by an admin.' },
    UNINSTALLED: { description: 'Uninstalled: nothing syncs; its users stay, no longer managed.' },
  },
});
registerEnumType(ConnectorStatusReasonCode, {
  name: 'ConnectorStatusReasonCode',
  description: 'Why a connector is UNAUTHORIZED or ERROR (docs/api.md, "Status reasons").',
});
registerEnumType(ConnectorKind, { name: 'ConnectorKind' });
registerEnumType(ErrorCode, { name: 'ErrorCode' });
registerEnumType(UserAddedAction, { name: 'UserAddedAction' });
registerEnumType(DeprovisionAction, { name: 'DeprovisionAction' });
registerEnumType(ReenableAction, { name: 'ReenableAction' });
registerEnumType(AttributeChangeAction, { name: 'AttributeChangeAction' });

export {
  AttributeChangeAction,
  ConnectorKind,
  ConnectorStatus,
  ConnectorStatusReasonCode,
  DeprovisionAction,
  ErrorCode,
  ReenableAction,
  UserAddedAction,
};
