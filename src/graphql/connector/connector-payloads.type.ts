import { Field, ID, ObjectType } from 'type-graphql';
import { ConnectorStatus, ConnectorStatusReasonCode, ErrorCode } from './connector.enums.js';
import { Connector } from './connector.type.js';

@ObjectType()
export class ConnectorWithToken {
  @Field(() => Connector)
  connector!: Connector;

  @Field({ description: 'Shown once: store it now. The hub keeps only a hash.' })
  authenticationToken!: string;
}

@ObjectType()
export class VerificationError {
  @Field(() => ErrorCode)
  code!: ErrorCode;

  @Field({ description: 'What went wrong and what to do.' })
  message!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'INVALID_SECRET, EXPIRED_SECRET, MISSING_SECRET, UNKNOWN_TENANT, APP_NOT_CONSENTED (AADSTS700016: the app is not in the tenant), APP_DISABLED, CONSENT_REQUIRED (no admin consent, or revoked), MISSING_PERMISSIONS, TOKEN_REJECTED, UNKNOWN',
  })
  reason!: string | null;

  @Field(() => [String], {
    description: 'Application permissions (Microsoft Graph) the app lacks, e.g. Group.Read.All.',
  })
  missingPermissions!: string[];
}

@ObjectType()
export class VerifyConnectionPayload {
  @Field()
  verified!: boolean;

  @Field(() => Connector)
  connector!: Connector;

  @Field(() => String, {
    nullable: true,
    description: 'Open in the browser to grant admin consent; valid for 10 minutes, once.',
  })
  consentUrl!: string | null;

  @Field(() => VerificationError, { nullable: true })
  error!: VerificationError | null;
}

@ObjectType()
export class SyncRequestResult {
  @Field(() => ID)
  runId!: string;
}

@ObjectType()
export class ConnectorStatusChange {
  @Field(() => ID)
  connectorId!: string;

  @Field(() => ID)
  companyId!: string;

  @Field(() => ConnectorStatus)
  status!: ConnectorStatus;

  @Field(() => ConnectorStatus, {
    nullable: true,
    description: 'Null when the hub knew no earlier state.',
  })
  previousStatus!: ConnectorStatus | null;

  @Field(() => String, { nullable: true })
  statusReason!: string | null;

  @Field(() => ConnectorStatusReasonCode, {
    nullable: true,
    description: '`statusReason` as a code to branch on or translate; null when it is null.',
  })
  statusReasonCode!: ConnectorStatusReasonCode | null;

  @Field()
  changedAt!: Date;
}
