import type { Connection } from 'mongoose';
import { companyModel, type CompanyModel } from './company.model.js';
import { connectorModel, type ConnectorModel } from './connector.model.js';
import {
  consentStateModel,
  ensureConsentStateTtl,
  type ConsentStateModel,
} from './consent-state.model.js';
import { outboundModels, type OutboundModels } from './outbound-models.js';
import { partnerModel, type PartnerModel } from './partner.model.js';
import { syncModels, type SyncModels } from './sync-models.js';

export interface Models extends SyncModels, OutboundModels {
  Partner: PartnerModel;
  Company: CompanyModel;
  Connector: ConnectorModel;
  ConsentState: ConsentStateModel;
}

/** Compiles the models on a connection and waits for their indexes (unique ones matter). */
export async function initModels(connection: Connection): Promise<Models> {
  const models: Models = {
    Partner: partnerModel(connection),
    Company: companyModel(connection),
    Connector: connectorModel(connection),
    ConsentState: consentStateModel(connection),
    ...syncModels(connection),
    ...outboundModels(connection),
  };
  await Promise.all(Object.values(models).map((model: Models[keyof Models]) => model.init()));
  await ensureConsentStateTtl(models.ConsentState);
  return models;
}
