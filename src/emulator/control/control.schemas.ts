import { z } from 'zod';

const nullableString = z.string().nullable().optional();

export const tenantInput = z
  .object({
    id: z.string().optional(),
    defaultDomain: z.string().optional(),
    displayName: z.string().optional(),
  })
  .strict();

export const tenantSettingsInput = z
  .object({
    deltaPageSize: z.number().int().min(1).max(999).optional(),
    deltaMembersPerPage: z.number().int().min(1).max(20_000).optional(),
    listPageSize: z.number().int().min(1).max(999).optional(),
  })
  .strict();

export const generateInput = z
  .object({
    users: z.number().int().min(0).max(1_000_000),
    groups: z.number().int().min(0).max(100_000),
    guestShare: z.number().min(0).max(1).optional(),
    disabledShare: z.number().min(0).max(1).optional(),
    membershipsPerUser: z.number().min(0).max(1000).optional(),
    nestedGroupShare: z.number().min(0).max(1).optional(),
    syncGroupName: z.string().min(1).optional(),
    syncGroupMembers: z.number().int().min(0).optional(),
    syncGroupNonUserMembers: z.number().int().min(0).max(1000).optional(),
    seed: z.number().int().optional(),
  })
  .strict();

export const appInput = z
  .object({
    clientId: z.string().optional(),
    displayName: z.string().optional(),
    requiredPermissions: z.array(z.string()).optional(),
    redirectUris: z.array(z.string()).optional(),
    homeTenantId: z.string().optional(),
  })
  .strict();

export const servicePrincipalPatchInput = z.object({ accountEnabled: z.boolean() }).strict();

export const secretInput = z
  .object({ expiresAt: z.string().optional(), expiresInSeconds: z.number().optional() })
  .strict();

export const consentDecisionInput = z
  .object({
    decision: z.enum(['accept', 'deny', 'consent_required']),
    tenantId: z.string().optional(),
  })
  .strict();

export const rolesInput = z.object({ roles: z.array(z.string()).optional() }).strict();

const userFields = {
  displayName: z.string().min(1),
  userPrincipalName: z.string().min(3),
  givenName: nullableString,
  surname: nullableString,
  mail: nullableString,
  jobTitle: nullableString,
  department: nullableString,
  mobilePhone: nullableString,
  officeLocation: nullableString,
  preferredLanguage: nullableString,
  accountEnabled: z.boolean().optional(),
  userType: z.enum(['Member', 'Guest']).optional(),
  businessPhones: z.array(z.string()).optional(),
};

export const userCreateInput = z.object({ id: z.string().optional(), ...userFields }).strict();
export const userPatchInput = z.object(userFields).partial().strict();

const groupFields = {
  displayName: z.string().min(1),
  description: nullableString,
  mail: nullableString,
  mailEnabled: z.boolean().optional(),
  mailNickname: z.string().optional(),
  securityEnabled: z.boolean().optional(),
  groupTypes: z.array(z.string()).optional(),
  visibility: nullableString,
};

export const groupCreateInput = z.object({ id: z.string().optional(), ...groupFields }).strict();
export const groupPatchInput = z.object(groupFields).partial().strict();

export const membersInput = z
  .object({ ids: z.array(z.string()).min(1).optional(), id: z.string().optional() })
  .strict()
  .refine((v) => v.ids !== undefined || v.id !== undefined, 'give `id` or `ids`');

export const directoryObjectInput = z
  .object({
    type: z.enum(['device', 'servicePrincipal', 'orgContact']),
    displayName: z.string().min(1),
    externalId: z.string().optional(),
  })
  .strict();

export const clockInput = z
  .object({ ms: z.number().min(0).optional(), seconds: z.number().min(0).optional() })
  .strict();

export const lifecycleInput = z
  .object({ event: z.enum(['reauthorizationRequired', 'missed', 'subscriptionRemoved']) })
  .strict();
