import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class InstallConnectorInput {
  @Field(() => ID)
  companyId!: string;

  @Field({ description: 'Shown in the portal, e.g. "Azure AD".' })
  name!: string;
}

@InputType({ description: 'From the app registration Overview page and Certificates & secrets.' })
export class SetConnectorCredentialsInput {
  @Field(() => ID)
  connectorId!: string;

  @Field({ description: 'Directory (tenant) ID, a GUID.' })
  tenantId!: string;

  @Field({ description: 'Application (client) ID, a GUID.' })
  clientId!: string;

  @Field({ description: 'The secret Value (not its ID). Stored encrypted, never returned.' })
  clientSecret!: string;

  @Field(() => Date, { nullable: true, description: 'Default: 24 months from now.' })
  clientSecretExpiresAt?: Date | null;
}
