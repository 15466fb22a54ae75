import { Field, Int, ObjectType, type ClassType } from 'type-graphql';

/**
 * Every list of the API is a Relay connection (https://relay.dev/graphql/connections.htm):
 * `edges { cursor node }` and `pageInfo { hasNextPage endCursor }`, plus `nodes` and
 * `totalCount` for clients that want neither edges nor a second query. Pass `endCursor` as
 * `after` for the next page; cursors are opaque.
 */
@ObjectType({ description: 'Where a page ends: pass `endCursor` as `after` for the next one.' })
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface ConnectionShape<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

/**
 * The fields of `<Name>Connection`, for `class XConnection extends Connection(X, 'X') {}`
 * (type-graphql's generic types: the abstract class carries the fields, the subclass the name).
 */
export function Connection<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class EdgeType implements Edge<T> {
    @Field({ description: 'Opaque; pass it as `after` to continue after this node.' })
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  // Unnamed and never returned itself: type-graphql 2 emits only the named subclasses.
  @ObjectType()
  abstract class ConnectionType implements ConnectionShape<T> {
    @Field(() => [EdgeType])
    edges!: Edge<T>[];

    @Field(() => [node], { description: 'The nodes of `edges`, for clients without cursors.' })
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'Every node matching the arguments, on all pages.' })
    totalCount!: number;
  }
  return ConnectionType;
}

/** What the services return for a page: nodes with their cursors, in order. */
export interface ServicePage<R> {
  nodes: R[];
  cursors: string[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

/** A service page as a connection, each record through `view`. */
export function toConnection<R, T>(
  page: ServicePage<R>,
  view: (record: R) => T,
): ConnectionShape<T> {
  const nodes = page.nodes.map(view);
  return {
    edges: nodes.map((node, i) => ({ cursor: page.cursors[i]!, node })),
    nodes,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    totalCount: page.totalCount,
  };
}

/** The pre-Relay page fields of the lists that had them; kept one release (see CHANGELOG.md). */
export const LEGACY_PAGE_FIELD = 'Use pageInfo; removed in the next release.';

export function legacyPage(page: ServicePage<unknown>): {
  hasNextPage: boolean;
  endCursor: string | null;
} {
  return { hasNextPage: page.hasNextPage, endCursor: page.endCursor };
}
