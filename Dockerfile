# users-service image: Node runs src/main.ts directly (type stripping), so there is no build stage
# and no npm install; the service has no runtime dependency. docs/deploy.md explains each choice.

# The exact Node that package.json pins as the `node` devDependency (test/platform.test.ts checks).
FROM node:24.21.0-slim

WORKDIR /app

# Owned by root and read-only for node: the running service cannot rewrite its own code.
COPY package.json ./
COPY src ./src
COPY migrations ./migrations
COPY docker/entrypoint.sh /usr/local/bin/users-service-entrypoint

# The data folder belongs to node before VOLUME is declared, so a new named volume (docker run -v,
# ECS) starts out writable by node; a bind mount is fixed up by the entrypoint instead.
RUN mkdir /app/data && chown node:node /app/data && chmod 0755 /usr/local/bin/users-service-entrypoint

ENV DB_PATH=/app/data/app.db PORT=8000
VOLUME /app/data
EXPOSE 8000

USER node

# Readiness, without curl (the slim image has none): node's own fetch, with a timeout shorter than
# the check's. The start period covers migrations on a slow disk such as EFS.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health', { signal: AbortSignal.timeout(4000) }).then((response) => process.exit(response.ok ? 0 : 1), () => process.exit(1))"]

# Exec form all the way: the entrypoint ends in exec, so node is PID 1 and receives SIGTERM itself.
# Never `npm start` here: npm would be PID 1 and does not pass the signal on reliably.
ENTRYPOINT ["users-service-entrypoint"]
CMD ["node", "src/main.ts"]
