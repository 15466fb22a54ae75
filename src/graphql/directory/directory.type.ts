import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DirectoryUserStatus, DirectoryUserStatusReason } from '../../domain/directory.js';
import { Connection, LEGACY_PAGE_FIELD } from '../connection.js';

export enum DirectoryManagedBy {
  AZURE_AD = 'AZURE_AD',
  /** Created or kept by hand (e.g. released when a connector was uninstalled). */
  NONE = 'NONE',
}

registerEnumType(DirectoryUserStatus, { name: 'DirectoryUserStatus' });
registerEnumType(DirectoryUserStatusReason, { name: 'DirectoryUserStatusReason' });
registerEnumType(DirectoryManagedBy, { name: 'DirectoryManagedBy' });

export { DirectoryUserStatus, DirectoryUserStatusReason };

@ObjectType({ description: "A user of the company's directory." })
export class DirectoryUser {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true, description: 'The Entra object id, when synced.' })
  entraId!: string | null;
  @Field() email!: string;
  @Field() displayName!: string;
  @Field(() => String, { nullable: true }) givenName!: string | null;
  @Field(() => String, { nullable: true }) surname!: string | null;
  @Field(() => DirectoryUserStatus) status!: DirectoryUserStatus;
  @Field(() => DirectoryUserStatusReason, { nullable: true })
  statusReason!: DirectoryUserStatusReason | null;
  @Field(() => DirectoryManagedBy) managedBy!: DirectoryManagedBy;
  @Field(() => ID, { nullable: true }) connectorId!: string | null;
  @Field(() => Date, { nullable: true }) disabledAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'Staged offboarding: deleted at this time.' })
  deleteAfter!: Date | null;
  @Field(() => Date, { nullable: true }) deletedAt!: Date | null;
  @Field() updatedAt!: Date;
}

@ObjectType()
export class DirectoryUserConnection extends Connection(DirectoryUser, 'DirectoryUser') {
  @Field({ deprecationReason: LEGACY_PAGE_FIELD }) hasNextPage!: boolean;
  @Field(() => String, { nullable: true, deprecationReason: LEGACY_PAGE_FIELD })
  endCursor!: string | null;
}

@ObjectType()
export class DirectoryGroup {
  @Field(() => ID) id!: string;
  @Field() entraId!: string;
  /** The company, for the member lookup (not exposed: the caller asked by company). */
  companyId!: string;
  @Field() name!: string;
  @Field(() => Int) memberCount!: number;
  @Field(() => DirectoryManagedBy) managedBy!: DirectoryManagedBy;
  @Field(() => ID, { nullable: true }) connectorId!: string | null;
}
