import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { buildSchema, graphqlSync, Kind, OperationTypeNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { graphqlUrls } from './lib/client';
import { loadSession } from './lib/session';
import schemaSdl from '../../schema/schema.graphql?raw';

/*
 * GraphiQL for the hub, bundled with the portal (no CDN). Queries and mutations go over HTTP with
 * the headers of the Headers tab; subscriptions over graphql-ws, with the same Authorization
 * header sent in `connection_init` (one socket per header value). GraphiQL's introspection query
 * is answered in the browser from the schema the portal was built with (schema/schema.graphql,
 * checked to be current in CI): that query is 15 levels deep, over the hub's default
 * GRAPHQL_MAX_DEPTH (12), which refuses it.
 */
const schema = buildSchema(schemaSdl);

const urls = graphqlUrls();
const http = createGraphiQLFetcher({ url: urls.http, enableIncrementalDelivery: false });
const sockets = new Map<string, Client>();

function socketFor(authorization: string): Client {
  let socket = sockets.get(authorization);
  if (!socket) {
    socket = createClient({
      url: urls.ws,
      connectionParams: authorization ? { authorization } : {},
      lazy: true,
    });
    sockets.set(authorization, socket);
  }
  return socket;
}

const fetcher: Fetcher = (params, options) => {
  const isSubscription = options?.documentAST?.definitions.some(
    (d) =>
      d.kind === Kind.OPERATION_DEFINITION &&
      d.operation === OperationTypeNode.SUBSCRIPTION &&
      (!params.operationName || d.name?.value === params.operationName),
  );
  if (params.operationName === 'IntrospectionQuery') {
    return graphqlSync({ schema, source: params.query });
  }
  if (!isSubscription) return http(params, options);
  const headers = (options?.headers ?? {}) as Record<string, unknown>;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'authorization');
  const authorization = key ? String(headers[key]) : '';
  const results = socketFor(authorization).iterate({
    query: params.query,
    variables: (params.variables ?? undefined) as Record<string, unknown> | undefined,
    ...(params.operationName ? { operationName: params.operationName } : {}),
  });
  // The toolkit types results as graphql-js's ExecutionResult (with GraphQLError instances);
  // graphql-ws yields their JSON form, which is what GraphiQL reads.
  return results as unknown as ReturnType<Fetcher>;
};

// Signed in to the portal in this tab: start with its token; otherwise say where one comes from.
const session = loadSession();
const defaultHeaders = JSON.stringify(
  { Authorization: session?.authorization ?? 'Bearer <partnerAdminJwt from .dev/stack.json>' },
  null,
  2,
);
const defaultQuery = `# The connectors you may see, with their live status.
query ConnectorList {
  connectors(first: 100) {
    nodes {
      id
      name
      status
      statusReasonCode
      statusReason
      lastSuccessfulSyncAt
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}

# Run this one to watch status changes live (graphql-ws).
subscription ConnectorStatus {
  connectorStatusChanged {
    connectorId
    previousStatus
    status
    statusReasonCode
    statusReason
  }
}
`;

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL
      fetcher={fetcher}
      defaultHeaders={defaultHeaders}
      defaultQuery={defaultQuery}
      defaultEditorToolsVisibility="headers"
    />
  </StrictMode>,
);
