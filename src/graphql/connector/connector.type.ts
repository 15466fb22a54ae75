import { Authorized, Field, ID, Int, ObjectType } from 'type-graphql';
import { PORTAL } from '../access.js';
import { Connection } from '../connection.js';
import {
  ConnectorKind,
  ConnectorStatus,
  ConnectorStatusReasonCode,
  ErrorCode,
} from './connector.enums.js';
import { SyncRules } from './sync-rules.type.js';

@ObjectType({
  description: 'An Entra group as stored on the connector (id and name at selection time).',
})
export class GroupRef {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;
}

@ObjectType()
export class ConnectorError {
  @Field(() => ErrorCode)
  code!: ErrorCode;

  @Field()
  message!: string;

  @Field()
  at!: Date;
}

@ObjectType({
  description:
    'An Azure AD (Entra ID) connector of one company. The client secret and the authentication token are never exposed.',
})
export class Connector {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  companyId!: string;

  @Field()
  name!: string;

  @Field(() => ConnectorKind)
  kind!: ConnectorKind;

  @Field(() => ConnectorStatus, {
    description: 'NOT_SAVED until "Save changes"; UNINSTALLED once uninstalled.',
  })
  status!: ConnectorStatus;

  @Field(() => String, {
    nullable: true,
    description: 'Why the status is what it is, and what to do (English).',
  })
  statusReason!: string | null;

  @Field(() => ConnectorStatusReasonCode, {
    nullable: true,
    description: '`statusReason` as a code to branch on or translate; null when it is null.',
  })
  statusReasonCode!: ConnectorStatusReasonCode | null;

  @Field(() => String, { nullable: true })
  tenantId!: string | null;

  @Field(() => String, { nullable: true })
  clientId!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The last four characters, e.g. `****ab12`.',
  })
  clientSecretHint!: string | null;

  @Field(() => Date, { nullable: true })
  clientSecretExpiresAt!: Date | null;

  @Field(() => Int, { nullable: true, description: 'Negative once expired.' })
  secretExpiresInDays!: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Set when the secret expires within 30 days.',
  })
  secretExpiryWarning!: string | null;

  @Field()
  verified!: boolean;

  @Field(() => Date, { nullable: true })
  verifiedAt!: Date | null;

  // Group names are directory contents: portal only (a connector token sees its status).
  @Authorized(...PORTAL)
  @Field(() => GroupRef, { nullable: true, description: 'The one group whose members are synced.' })
  syncGroup!: GroupRef | null;

  @Authorized(...PORTAL)
  @Field(() => [GroupRef])
  syncedGroups!: GroupRef[];

  @Field(() => SyncRules)
  syncRules!: SyncRules;

  @Field(() => Date, { nullable: true })
  activatedAt!: Date | null;

  @Field()
  enabled!: boolean;

  @Field({
    description: 'True when the hub has a public URL, so Graph change notifications reach it.',
  })
  webhooksEnabled!: boolean;

  @Field(() => Date, { nullable: true })
  lastSuccessfulSyncAt!: Date | null;

  @Field(() => ConnectorError, { nullable: true })
  lastError!: ConnectorError | null;

  @Field(() => Int, {
    description:
      'Failed sync runs in a row since the last success or since new credentials were verified.',
  })
  consecutiveSyncFailures!: number;

  @Field(() => Date, {
    nullable: true,
    description:
      'While the connector backs off after failed runs: when the scheduled syncs try again (doubling per failure, at most an hour by default). Null when not backing off. Synchronize Now is never held back.',
  })
  nextSyncAttemptAt!: Date | null;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType()
export class ConnectorConnection extends Connection(Connector, 'Connector') {}
