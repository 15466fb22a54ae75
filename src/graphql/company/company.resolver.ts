import { Arg, Ctx, Mutation, Query, Resolver, Authorized } from 'type-graphql';
import { requireCaller, type RequestContext } from '../../server/context.js';
import { Company } from './company.type.js';
import { CreateCompanyInput } from './create-company.input.js';
import { PORTAL, PARTNER_ONLY } from '../access.js';

/**
 * The resolver pattern: no logic here. Take the caller from the context (UNAUTHENTICATED if
 * none), hand it with the arguments to a service, return what the service returns. Services
 * apply the access scope (ids outside it are NOT_FOUND) and validate input (BAD_USER_INPUT).
 */
@Resolver(() => Company)
export class CompanyResolver {
  @Authorized(...PORTAL)
  @Query(() => [Company], { description: 'Companies the caller may see.' })
  companies(@Ctx() ctx: RequestContext): Promise<Company[]> {
    return ctx.services.companies.listCompanies(requireCaller(ctx));
  }

  @Authorized(...PARTNER_ONLY)
  @Mutation(() => Company, { description: 'Partner admins only.' })
  createCompany(
    @Arg('input', () => CreateCompanyInput) input: CreateCompanyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Company> {
    return ctx.services.companies.createCompany(requireCaller(ctx), input);
  }
}
