/**
 * Seeds `count` companies, each with an active, verified Azure AD connector, straight into the
 * database (the install flow is not what these benches measure). Connectors are spread over the
 * given tenants, `perTenant` each, as the engine bounds Graph concurrency per tenant.
 */
import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { secretPurpose } from '../../src/connectors/connector-credentials.js';
import type { SecretBox } from '../../src/crypto/secret-box.js';
import type { CompanyModel } from '../../src/db/models/company.model.js';
import { type ConnectorModel } from '../../src/db/models/connector.model.js';
import { ConnectorStatus, ConnectorKind } from '../../src/domain/connector.js';

export interface SeedTenant {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  syncGroupId: string;
}

export async function insertActiveConnectors(options: {
  Company: CompanyModel;
  Connector: ConnectorModel;
  box: SecretBox;
  tenants: readonly SeedTenant[];
  count: number;
  perTenant?: number;
  /** The connectors' ids, when the caller needs them before the connectors exist. */
  ids?: readonly Types.ObjectId[];
}): Promise<string[]> {
  const { Company, Connector, box, tenants, count, perTenant = 10 } = options;
  const now = new Date();
  const companies = Array.from({ length: count }, (_, i) => ({
    _id: new Types.ObjectId(),
    partnerId: 'bench',
    name: `Idle ${i}`,
  }));
  await Company.insertMany(companies);
  const ids: string[] = [];
  await Connector.insertMany(
    companies.map((company, i) => {
      const _id = options.ids?.[i] ?? new Types.ObjectId();
      ids.push(_id.toHexString());
      const tenant = tenants[Math.floor(i / perTenant)]!;
      return {
        _id,
        companyId: company._id,
        partnerId: 'bench',
        kind: ConnectorKind.AZURE_AD,
        installKey: `${company._id.toHexString()}:${ConnectorKind.AZURE_AD}`,
        name: 'Azure AD',
        authTokenHash: randomUUID(),
        status: ConnectorStatus.CONNECTED,
        tenantId: tenant.tenantId,
        clientId: tenant.clientId,
        clientSecret: box.seal(tenant.clientSecret, secretPurpose(_id.toHexString())),
        clientSecretHint: tenant.clientSecret.slice(-4),
        verifiedAt: now,
        syncGroupId: tenant.syncGroupId,
        syncGroupName: 'Sync',
        activatedAt: now,
        enabled: true,
        uninstalledAt: null,
      };
    }),
  );
  return ids;
}
