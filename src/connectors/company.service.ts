import type { Models } from '../db/models/index.js';
import type { CompanyDoc } from '../db/models/company.model.js';
import { CallerRole, type Caller } from '../domain/caller.js';
import { AppError, ErrorCode, notFound } from '../domain/errors.js';
import { companyScope, parseId, requirePortal } from '../db/access-scope.js';
import { displayName, intInRange } from './input-rules.js';

export interface CompanyView {
  id: string;
  partnerId: string;
  name: string;
  seatLimit: number | null;
  createdAt: Date;
}

export interface CreateCompanyInput {
  partnerId?: string | null;
  name: string;
  seatLimit?: number | null;
}

export class CompanyService {
  constructor(private readonly models: Pick<Models, 'Company' | 'Partner'>) {}

  /** Partner admins create companies under their own partner only. */
  async createCompany(caller: Caller, input: CreateCompanyInput): Promise<CompanyView> {
    if (caller.role !== CallerRole.PARTNER_ADMIN) {
      throw new AppError(ErrorCode.FORBIDDEN, 'Only partner admins can create companies');
    }
    // Another partner's id is answered like an unknown one.
    if (input.partnerId != null && input.partnerId !== caller.partnerId) {
      throw notFound('Partner');
    }
    const name = displayName('name', input.name, 200);
    const seatLimit =
      input.seatLimit == null ? null : intInRange('seatLimit', input.seatLimit, 0, 1_000_000);
    await this.models.Partner.updateOne(
      { _id: caller.partnerId },
      { $setOnInsert: { _id: caller.partnerId } },
      { upsert: true },
    );
    const created = await this.models.Company.create({
      partnerId: caller.partnerId,
      name,
      seatLimit,
    });
    return toCompanyView(created.toObject());
  }

  async listCompanies(caller: Caller): Promise<CompanyView[]> {
    const docs = await this.models.Company.find(companyScope(requirePortal(caller)))
      .sort({ name: 1, _id: 1 })
      .limit(1_000)
      .lean<CompanyDoc[]>();
    return docs.map(toCompanyView);
  }

  /** Whether the company still exists (a company admin's sockets re-check it). */
  async exists(companyId: string): Promise<boolean> {
    if (!/^[0-9a-f]{24}$/i.test(companyId)) return false;
    return (await this.models.Company.exists({ _id: parseId(companyId, 'Company') })) !== null;
  }

  /** The company, if the caller may see it; NOT_FOUND otherwise. */
  async requireCompany(caller: Caller, companyId: string): Promise<CompanyDoc> {
    const company = await this.models.Company.findOne({
      $and: [{ _id: parseId(companyId, 'Company') }, companyScope(requirePortal(caller))],
    }).lean<CompanyDoc>();
    if (!company) throw notFound('Company');
    return company;
  }
}

function toCompanyView(doc: CompanyDoc): CompanyView {
  return {
    id: doc._id.toHexString(),
    partnerId: doc.partnerId,
    name: doc.name,
    seatLimit: doc.seatLimit,
    createdAt: doc.createdAt,
  };
}
