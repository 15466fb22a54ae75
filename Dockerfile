# syntax=docker/dockerfile:1
# The production image of the hub: the service and its operator CLI (migrate, reencrypt), nothing
# else. Stage 1 compiles with the dev dependencies and lays out the release
# (scripts/release.ts: the modules src/main.ts and src/cli/main.ts import, the built portal, the
# build stamp); stage 2 holds that release and the production dependencies only, as user `node`.
#
#   docker build -t entra-connector-hub:$(node -p "require('./package.json').version") \
#     --build-arg VERSION=$(node -p "require('./package.json').version") \
#     --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg SOURCE=$(git remote get-url origin) .
#
# Node 24 is the Active LTS line; CI runs the whole suite on 20.19+ and on 24. Pinned to a patch
# release so a rebuild is the same image; raise it with the Node security releases.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# mongodb-memory-server (a dev dependency for tests) must not download mongod during npm ci.
ENV MONGOMS_DISABLE_POSTINSTALL=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
# The reference portal and GraphiQL (dist/web/portal), built from the committed schema.
COPY schema ./schema
COPY portal ./portal
RUN npm run build
ARG VERSION=""
ARG REVISION=unknown
RUN BUILD_VERSION="${VERSION}" BUILD_REVISION="${REVISION}" node dist/scripts/release.js /release

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=""
ARG REVISION=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="entra-connector-hub" \
      org.opencontainers.image.description="Keeps a password manager's directory in step with Microsoft Entra ID" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="MIT"
# The V8 heap budget. Left to itself V8 sizes the heap from the host's memory, not the
# container's, and on a large host lets garbage grow to about four times the live heap before a
# full collection. 512 MB fits deploy/compose.yaml's 768M limit (what a full sync peaks at under
# it: docs/sync.md); keep it about two thirds of the container's memory when you change either.
# The sync benches measure under the same budget (package.json).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=512 \
    MONGOMS_DISABLE_POSTINSTALL=1 \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
COPY --from=build /release/package.json /release/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /release/dist ./dist
USER node
EXPOSE 4000
# Liveness only: /readyz (database, scheduler) is for the proxy's health checks.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# main.ts drains Agenda and releases its locks on SIGTERM, then exits (compose: stop_grace_period).
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
