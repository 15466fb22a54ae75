import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { SealedSecret } from '../../crypto/secret-box.js';
import {
  ConnectorKind,
  ConnectorStatus,
  ConnectorStatusReasonCode,
  type GroupRef,
} from '../../domain/connector.js';
import type { ErrorCode } from '../../domain/errors.js';
import {
  AttributeChangeAction,
  DEFAULT_SYNC_RULES,
  DeprovisionAction,
  ReenableAction,
  UserAddedAction,
  type SyncRules,
} from '../../domain/sync-rules.js';

export interface ConnectorErrorRecord {
  code: ErrorCode;
  message: string;
  at: Date;
}

export interface ConnectorDoc {
  _id: Types.ObjectId;
  companyId: Types.ObjectId;
  /** Denormalised from the company so every scope check is one indexed filter. */
  partnerId: string;
  kind: ConnectorKind;
  /**
   * `${companyId}:${kind}` while installed, absent once uninstalled: a sparse unique index on it
   * allows one live connector per company and kind and any number of uninstalled ones (FerretDB,
   * the CI database, has no partial indexes).
   */
  installKey?: string | undefined;
  name: string;
  /** Null until "Save changes" (activation); then the lifecycle status. */
  status: ConnectorStatus | null;
  statusReason: string | null;
  /** The reason as a code; absent on reasons stored before codes existed (shown as UNKNOWN). */
  statusReasonCode?: ConnectorStatusReasonCode | null;
  tenantId: string | null;
  clientId: string | null;
  clientSecret: SealedSecret | null;
  clientSecretHint: string | null;
  clientSecretExpiresAt: Date | null;
  verifiedAt: Date | null;
  syncGroupId: string | null;
  syncGroupName: string | null;
  syncedGroups: GroupRef[];
  syncRules: SyncRules;
  activatedAt: Date | null;
  enabled: boolean;
  uninstalledAt: Date | null;
  /** SHA-256 of the one-time authentication token; the token itself is never stored. */
  authTokenHash: string;
  lastSuccessfulSyncAt: Date | null;
  lastError: ConnectorErrorRecord | null;
  /** When the newest recorded sync outcome happened: older outcomes arriving late are ignored. */
  lastOutcomeAt: Date | null;
  /** Failed runs in a row since the last success (or new credentials). */
  consecutiveFailures: number;
  /**
   * Scheduled syncs (poll, reconcile, webhook) leave the connector alone until then; null when
   * it is not backing off. Set with the failure count by recordSyncOutcome.
   */
  nextPollAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const sealedSecretSchema = new Schema<SealedSecret>(
  {
    kid: { type: String, required: true },
    iv: { type: String, required: true },
    tag: { type: String, required: true },
    ciphertext: { type: String, required: true },
  },
  { _id: false },
);

const groupRefSchema = new Schema<GroupRef>(
  { id: { type: String, required: true }, name: { type: String, required: true } },
  { _id: false },
);

const errorSchema = new Schema<ConnectorErrorRecord>(
  {
    code: { type: String, required: true },
    message: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { _id: false },
);

const d = DEFAULT_SYNC_RULES;
const syncRulesSchema = new Schema<SyncRules>(
  {
    userAdded: { type: String, enum: Object.values(UserAddedAction), default: d.userAdded },
    userRemovedFromGroup: {
      type: String,
      enum: Object.values(DeprovisionAction),
      default: d.userRemovedFromGroup,
    },
    userDisabledInEntra: {
      type: String,
      enum: Object.values(DeprovisionAction),
      default: d.userDisabledInEntra,
    },
    userDeletedInEntra: {
      type: String,
      enum: Object.values(DeprovisionAction),
      default: d.userDeletedInEntra,
    },
    userReenabled: { type: String, enum: Object.values(ReenableAction), default: d.userReenabled },
    attributesChanged: {
      type: String,
      enum: Object.values(AttributeChangeAction),
      default: d.attributesChanged,
    },
    deleteAfterDays: { type: Number, default: d.deleteAfterDays },
    includeNestedGroups: { type: Boolean, default: d.includeNestedGroups },
    includeGuests: { type: Boolean, default: d.includeGuests },
    linkExistingByEmail: { type: Boolean, default: d.linkExistingByEmail },
    massChangeThresholdPercent: { type: Number, default: d.massChangeThresholdPercent },
    massChangeThresholdAbsolute: { type: Number, default: d.massChangeThresholdAbsolute },
  },
  { _id: false },
);

const connectorSchema = new Schema<ConnectorDoc>(
  {
    companyId: { type: Schema.Types.ObjectId, required: true, index: true },
    partnerId: { type: String, required: true, index: true },
    kind: { type: String, enum: Object.values(ConnectorKind), required: true },
    installKey: { type: String },
    name: { type: String, required: true },
    status: { type: String, enum: [...Object.values(ConnectorStatus), null], default: null },
    statusReason: { type: String, default: null },
    statusReasonCode: {
      type: String,
      enum: [...Object.values(ConnectorStatusReasonCode), null],
      default: null,
    },
    tenantId: { type: String, default: null },
    clientId: { type: String, default: null },
    clientSecret: { type: sealedSecretSchema, default: null },
    clientSecretHint: { type: String, default: null },
    clientSecretExpiresAt: { type: Date, default: null },
    verifiedAt: { type: Date, default: null },
    syncGroupId: { type: String, default: null },
    syncGroupName: { type: String, default: null },
    syncedGroups: { type: [groupRefSchema], default: [] },
    syncRules: { type: syncRulesSchema, default: () => ({ ...DEFAULT_SYNC_RULES }) },
    activatedAt: { type: Date, default: null },
    enabled: { type: Boolean, default: true },
    uninstalledAt: { type: Date, default: null },
    authTokenHash: { type: String, required: true },
    lastSuccessfulSyncAt: { type: Date, default: null },
    lastError: { type: errorSchema, default: null },
    lastOutcomeAt: { type: Date, default: null },
    consecutiveFailures: { type: Number, default: 0 },
    nextPollAt: { type: Date, default: null },
  },
  { timestamps: true, collection: 'connectors' },
);

connectorSchema.index({ installKey: 1 }, { unique: true, sparse: true });
connectorSchema.index({ authTokenHash: 1 }, { unique: true });
connectorSchema.index({ activatedAt: 1, enabled: 1 });

export type ConnectorModel = Model<ConnectorDoc>;

export function installKeyFor(companyId: Types.ObjectId | string, kind: ConnectorKind): string {
  return `${String(companyId)}:${kind}`;
}

export function connectorModel(connection: Connection): ConnectorModel {
  return connection.model<ConnectorDoc>('Connector', connectorSchema);
}
