# Gaffer, the GitHub App, as a container (docs/deploy.md). test/container.test.ts checks
# this file against the app: the command, user, port, stop signal and health check.
FROM node:24-slim

ENV NODE_ENV=production \
    PORT=3000 \
    GAFFER_HOST=0.0.0.0 \
    GAFFER_HOME=/home/node/.gaffer
WORKDIR /app

# Production dependencies only: the sandbox (its emulated GitHub, its embedded Postgres)
# and the tests are development dependencies. No production dependency has an install
# script, so none is run.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# The code and what it reads at run time; owned by root, so the app cannot change them.
COPY app.yml ./
COPY agents ./agents
COPY migrations ./migrations
COPY src ./src

# GAFFER_HOME holds the webhook spool and CLI workspaces: give it a volume.
RUN mkdir -p /home/node/.gaffer && chown node:node /home/node/.gaffer
USER node

EXPOSE 3000
# Gaffer stops gracefully on SIGTERM: it hands claims back and finishes deliveries in
# progress, for up to a minute; give `docker stop` that long (compose.yaml does).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Node itself as PID 1, no npm or shell in between: it gets the signals.
CMD ["node", "src/main.ts"]
