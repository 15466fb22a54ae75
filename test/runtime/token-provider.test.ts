/**
 * The hub's Graph tokens: one MSAL application per credentials, and the last token handed out
 * again without asking MSAL until MSAL itself would renew it (5 minutes before expiry).
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { TokenProvider } from '../../src/integrations/entra/token-provider.js';
import { captureLogger } from '../helpers/logger.js';
import {
  createCaNetworkModule,
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';

let emulator: RunningEmulator;
let tenant: SeededTenant;

beforeAll(async () => {
  emulator = await startTestEmulator();
  tenant = await seedTestTenant(emulator, { users: 1, groups: 0 });
});
afterAll(() => emulator.stop());

describe('TokenProvider', () => {
  it('reuses the last token until MSAL would renew it, and not after forget', async () => {
    let now = new Date();
    const provider = new TokenProvider({
      authorityHost: emulator.authorityHost,
      networkClient: createCaNetworkModule(emulator.caCertPem),
      logger: captureLogger('fatal').logger,
      now: () => now,
    });
    const asked = jest.spyOn(
      ConfidentialClientApplication.prototype,
      'acquireTokenByClientCredential',
    );
    try {
      const credentials = {
        tenantId: tenant.tenantId,
        clientId: tenant.clientId,
        clientSecret: tenant.clientSecret,
      };
      const first = await provider.getToken(credentials);
      expect(await provider.getToken(credentials)).toEqual(first);
      expect(await provider.getToken(credentials)).toEqual(first);
      expect(asked).toHaveBeenCalledTimes(1);

      // Within MSAL's renewal offset of the expiry: MSAL is asked again.
      now = new Date(first.expiresOn!.getTime() - 4 * 60_000);
      await provider.getToken(credentials);
      expect(asked).toHaveBeenCalledTimes(2);

      now = new Date();
      provider.forget(credentials);
      await provider.getToken(credentials);
      expect(asked).toHaveBeenCalledTimes(3);
    } finally {
      asked.mockRestore();
    }
  });
});
