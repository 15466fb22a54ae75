import { registerEnumType } from 'type-graphql';
import { ConnectorStatus, ConnectorKind } from '../../domain/connector.js';
import { ErrorCode } from '../../domain/errors.js';
import {
  AttributeChangeAction,
  DeprovisionAction,
  ReenableAction,
  UserAddedAction,
} from '../../domain/sync-rules.js';

registerEnumType(ConnectorStatus, { name: 'ConnectorStatus' });
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
  DeprovisionAction,
  ErrorCode,
  ReenableAction,
  UserAddedAction,
};
