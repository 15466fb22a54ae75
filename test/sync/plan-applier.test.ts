import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Types } from 'mongoose';
import { syncModels, type SyncModels } from '../../src/db/models/sync-models.js';
import { ChangeAction, ChangeObjectType } from '../../src/domain/change.js';
import {
  DirectoryUserStatus,
  ManagedBy,
  emailKeyOf,
  entraKeyOf,
  type DirectoryUserFields,
} from '../../src/domain/directory.js';
import { PlanApplier } from '../../src/sync/apply/plan-applier.js';
import type { PlannedChange, UserWrite } from '../../src/sync/plan/plan.types.js';
import { openTestConnection } from '../helpers/database.js';

const COMPANY = 'company-applier';
const CONNECTOR = new Types.ObjectId().toHexString();

function fields(n: number): DirectoryUserFields {
  const email = `user${n}@example.com`;
  const entraId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    companyId: COMPANY,
    entraId,
    entraKey: entraKeyOf(COMPANY, entraId),
    email,
    emailKey: emailKeyOf(COMPANY, email),
    displayName: `User ${n}`,
    givenName: null,
    surname: null,
    status: DirectoryUserStatus.ACTIVE,
    statusReason: null,
    managedBy: ManagedBy.AZURE_AD,
    connectorId: CONNECTOR,
    entra: null,
    disabledAt: null,
    deleteAfter: null,
    deletedAt: null,
  };
}

function change(label: string, write: UserWrite): PlannedChange {
  return {
    objectType: ChangeObjectType.USER,
    objectId: label,
    label,
    action: write.kind === 'insertUser' ? ChangeAction.CREATE : ChangeAction.UPDATE,
    rule: 'test',
    before: null,
    after: null,
    message: null,
    deprovision: false,
    write,
  };
}

/** The applier against the real database: every write is tried, each failure is named. */
describe('PlanApplier', () => {
  let db: Awaited<ReturnType<typeof openTestConnection>>;
  let models: SyncModels;

  beforeAll(async () => {
    db = await openTestConnection();
    models = syncModels(db.connection);
    await models.DirectoryUser.init();
  });
  afterAll(() => db.close());

  it('applies a batch of inserts and updates; a colliding write fails alone, with its reason', async () => {
    const [first, second] = await models.DirectoryUser.insertMany([fields(1), fields(2)]);
    const update = (id: string, set: Partial<DirectoryUserFields>) =>
      ({ kind: 'updateUser', id, set, expectStatus: DirectoryUserStatus.ACTIVE }) as const;
    const changes = [
      change('rename', update(first!._id.toHexString(), { displayName: 'Renamed' })),
      // Another user's address: the unique email index refuses it.
      change(
        'collide',
        update(second!._id.toHexString(), {
          email: 'user1@example.com',
          emailKey: fields(1).emailKey,
        }),
      ),
      change('new', { kind: 'insertUser', doc: fields(3) }),
      change('new again', {
        kind: 'insertUser',
        doc: { ...fields(4), emailKey: fields(3).emailKey },
      }),
    ];
    const failed = await new PlanApplier(models, COMPANY, CONNECTOR).apply(changes);

    expect([...failed.keys()].map((c) => c.label).sort()).toEqual(['collide', 'new again']);
    for (const reason of failed.values()) expect(reason).toMatch(/^Duplicate email or Entra id/);
    const users = await models.DirectoryUser.find({ companyId: COMPANY }).lean();
    expect(users.map((u) => u.displayName).sort()).toEqual(['Renamed', 'User 2', 'User 3']);
    expect(users.find((u) => u.displayName === 'User 2')?.email).toBe('user2@example.com');
  });

  it('updates more users than one batch holds (250 an unordered batch)', async () => {
    const docs = await models.DirectoryUser.insertMany(
      Array.from({ length: 600 }, (_, i) => fields(1_000 + i)),
    );
    const changes = docs.map((doc, i) =>
      change(`u${i}`, {
        kind: 'updateUser',
        id: doc._id.toHexString(),
        set: { displayName: `Batch ${i}` },
        expectStatus: DirectoryUserStatus.ACTIVE,
      }),
    );
    const failed = await new PlanApplier(models, COMPANY, CONNECTOR).apply(changes);
    expect(failed.size).toBe(0);
    expect(await models.DirectoryUser.countDocuments({ displayName: /^Batch / })).toBe(600);
  });
});
