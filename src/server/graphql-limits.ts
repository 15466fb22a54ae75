import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import {
  GraphQLError,
  type DocumentNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

/**
 * What one GraphQL document may cost, the same over HTTP and WebSocket. The rules come from
 * GraphQL Armor (https://escape.tech/graphql-armor/docs/): each one memoizes fragments, so any
 * document is measured in time linear in its size (a fragment that spreads another twice, 40
 * levels deep, is 2^40 selections expanded but 40 fragments to measure). The token limit bounds
 * the size itself before anything else runs, which also bounds graphql-js's own rules
 * (OverlappingFieldsCanBeMerged is quadratic in same-named fields).
 */
export interface GraphqlLimits {
  maxTokens: number;
  maxDepth: number;
  /** Armor's cost: objects 2, scalars 1, x1.5 per level, x`first:` when given as a literal. */
  maxCost: number;
  maxAliases: number;
  maxDirectives: number;
}

export type ParsedDocument =
  { ok: true; document: DocumentNode } | { ok: false; error: GraphQLError; tooComplex: boolean };

export function queryTooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: QUERY_TOO_COMPLEX } });
}

/** Parses, stopping at the token limit: a 100 KB document costs no more than the limit. */
export function parseWithinLimits(source: string, limits: GraphqlLimits): ParsedDocument {
  let overLimit = false;
  const parser = new MaxTokensParserWLexer(source, {
    n: limits.maxTokens,
    onAccept: [],
    onReject: [() => void (overLimit = true)],
    propagateOnRejection: true,
  });
  try {
    return { ok: true, document: parser.parseDocument() };
  } catch (error) {
    if (overLimit) {
      return {
        ok: false,
        tooComplex: true,
        error: queryTooComplex(`The document has more than ${limits.maxTokens} tokens`),
      };
    }
    if (error instanceof GraphQLError) return { ok: false, tooComplex: false, error };
    throw error;
  }
}

/** Validation rules (next to graphql-js's specified rules) that refuse with QUERY_TOO_COMPLEX. */
export function limitRules(limits: GraphqlLimits): ValidationRule[] {
  // Armor throws by default; reporting keeps graphql-js collecting errors and the code ours.
  const refuse = (what: string, limit: number) => ({
    propagateOnRejection: false,
    onAccept: [],
    onReject: [
      (context: ValidationContext | null) =>
        context?.reportError(
          queryTooComplex(`The operation exceeds the ${what} limit of ${limit}`),
        ),
    ],
  });
  return [
    costLimitRule({
      maxCost: limits.maxCost,
      // Introspection is measured like any query (it is off outside development anyway).
      ignoreIntrospection: false,
      ...refuse('cost', limits.maxCost),
    }),
    maxDepthRule({
      n: limits.maxDepth,
      // A fragment spread is not a level of the response.
      flattenFragments: true,
      ignoreIntrospection: false,
      ...refuse('depth', limits.maxDepth),
    }),
    maxAliasesRule({ n: limits.maxAliases, ...refuse('alias', limits.maxAliases) }),
    maxDirectivesRule({ n: limits.maxDirectives, ...refuse('directive', limits.maxDirectives) }),
  ];
}
