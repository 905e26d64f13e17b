# The durable-jobs worker: `jobctl worker` against TEMPORAL_ADDRESS. Its build steps live in
# scripts/worker-image.sh, which CI also runs on a Docker-less host (see README, "Running on a Temporal
# cluster").
#   docker build -t durable-jobs-worker .
#   docker run --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
#     -e TEMPORAL_ADDRESS=temporal:7233 durable-jobs-worker
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN scripts/worker-image.sh build /src

FROM node:20-bookworm-slim
COPY scripts/worker-image.sh /usr/local/bin/worker-image.sh
RUN worker-image.sh os-packages && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN worker-image.sh runtime /app
COPY bin ./bin
COPY --from=build /src/dist/src ./dist/src
COPY examples ./examples
# Pods run as the worker's user: not root. bwrap then needs unprivileged user namespaces, which
# Docker's default seccomp and AppArmor profiles deny (see the run line above); without them the
# worker falls back to plain process groups and says so at start.
RUN mkdir -p /data && chown node:node /data
USER node
ENV DURABLE_JOBS_HOME=/data NODE_ENV=production
VOLUME /data
ENTRYPOINT ["tini", "--", "node", "/app/bin/jobctl.js"]
CMD ["worker"]
