# syntax=docker/dockerfile:1
# Production image of the hub. Stage 1 compiles the TypeScript with the dev dependencies;
# stage 2 holds only the production dependencies (npm ci --omit=dev), the compiled dist/ and
# package.json, and runs as the unprivileged `node` user.

# Node 24 is the Active LTS line (Node 20 reached end of life on 2026-04-30); CI runs the whole
# suite on both 20.19+ and 24.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# mongodb-memory-server (a dev dependency for tests) must not download mongod during npm ci.
ENV MONGOMS_DISABLE_POSTINSTALL=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY bench ./bench
# The reference portal and GraphiQL (dist/web/portal), built from the committed schema.
COPY schema ./schema
COPY portal ./portal
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    MONGOMS_DISABLE_POSTINSTALL=1 \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# Only the service: the emulator, CLI and dev scripts are compiled too but never started here.
COPY --from=build /app/dist ./dist
USER node
EXPOSE 4000
# Liveness only: /readyz (database, scheduler) is for load balancers and compose's depends_on.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# main.ts drains Agenda and releases its locks on SIGTERM, then exits (compose: stop_grace_period).
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
