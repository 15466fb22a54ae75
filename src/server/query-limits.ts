import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export const QUERY_LIMIT_CODE = 'QUERY_TOO_COMPLEX';

/**
 * Depth and width limits, checked before execution (HTTP and WebSocket). Width counts every field
 * selection after fragment expansion, so aliases cannot multiply the work unnoticed (each alias is
 * one more field). Expensive fields (Graph-backed ones) bound their own page size on top of this.
 */
export function queryLimitRules(options: {
  maxDepth: number;
  maxFields: number;
}): ValidationRule[] {
  return [(context) => limitVisitor(context, options)];
}

function limitVisitor(
  context: ValidationContext,
  options: { maxDepth: number; maxFields: number },
): ASTVisitor {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  }
  return {
    OperationDefinition(node) {
      const measured = measure(node.selectionSet, fragments, 0, new Set());
      if (measured.depth > options.maxDepth) {
        context.reportError(
          new GraphQLError(
            `Query depth ${measured.depth} exceeds the limit of ${options.maxDepth}`,
            {
              nodes: [node],
              extensions: { code: QUERY_LIMIT_CODE },
            },
          ),
        );
      } else if (measured.fields > options.maxFields) {
        context.reportError(
          new GraphQLError(
            `Query selects ${measured.fields} fields; the limit is ${options.maxFields}`,
            {
              nodes: [node],
              extensions: { code: QUERY_LIMIT_CODE },
            },
          ),
        );
      }
      return false;
    },
  };
}

function measure(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  depth: number,
  visiting: Set<string>,
): { depth: number; fields: number } {
  let maxDepth = depth;
  let fields = 0;
  for (const selection of selectionSet.selections) {
    let inner: { depth: number; fields: number } | null = null;
    switch (selection.kind) {
      case Kind.FIELD:
        fields += 1;
        inner = selection.selectionSet
          ? measure(selection.selectionSet, fragments, depth + 1, visiting)
          : { depth: depth + 1, fields: 0 };
        break;
      case Kind.INLINE_FRAGMENT:
        inner = measure(selection.selectionSet, fragments, depth, visiting);
        break;
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // Cycles are reported by GraphQL's own NoFragmentCycles rule; just stop here.
        if (!fragment || visiting.has(name)) break;
        visiting.add(name);
        inner = measure(fragment.selectionSet, fragments, depth, visiting);
        visiting.delete(name);
        break;
      }
      default: {
        const unreachable: never = selection;
        return unreachable;
      }
    }
    if (inner) {
      maxDepth = Math.max(maxDepth, inner.depth);
      fields += inner.fields;
    }
  }
  return { depth: maxDepth, fields };
}
