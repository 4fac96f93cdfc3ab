# kvmbench in a container. Build with the labels and git revision filled in:
#   scripts/container/build.sh -t kvmbench            (or plain `docker build -t kvmbench .`)
# Run (docs/container.md has the line for each /dev/kvm permission model, and what tracing needs):
#   docker run --rm --device /dev/kvm --group-add $(stat -c %g /dev/kvm) -u $(id -u):$(id -g) \
#     -v "$PWD/results:/results" kvmbench run --out /results
#
# Build args:
#   NODE_IMAGE    base image (scripts/container-test.sh substitutes an offline stand-in)
#   WITH_CLINIC=1 adds clinic for `kvmbench profile --clinic` (about 580 packages, 150 MiB)
#   WITH_PERF=1   adds Debian's linux-perf for --trace perf-stat and perf-record
#   VERSION, GIT_REVISION, SOURCE_URL: OCI labels; GIT_REVISION is also recorded in every results.json
# Legacy-builder syntax only (no RUN --mount, heredocs or COPY --chmod): Debian's docker.io 20.10 has no buildx.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc g++ make python3 binutils libc6-dev linux-libc-dev tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Build the addon against the image's own Node headers; node-gyp must not download them.
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json results.schema.json ./
COPY scripts ./scripts
COPY guests ./guests
COPY src ./src
COPY test ./test
COPY .github ./.github
COPY examples ./examples
# The docs the tests hold to the code (every path a doc names exists; the layer table; README's size).
COPY README.md LICENSE ./
COPY docs ./docs
COPY .ci ./.ci
# This stage, with its dev dependencies and compiled tests, is what the container test runs the unit
# tests in (`docker build --target build`): same Node as the image, no extra build.
RUN npm run build

FROM build AS production-modules
# clinic is for one optional command and brings most of the dependency tree: only on request.
ARG WITH_CLINIC=0
ARG CLINIC_SPEC=clinic@^13.0.0
RUN npm pkg delete dependencies.clinic optionalDependencies.clinic \
 && npm prune --omit=dev --no-audit --no-fund \
 && if [ "$WITH_CLINIC" = 1 ]; then npm install --omit=dev --no-save --no-audit --no-fund "$CLINIC_SPEC"; fi

FROM ${NODE_IMAGE}
ARG WITH_PERF=0
RUN if [ "$WITH_PERF" = 1 ]; then \
      apt-get update && apt-get install -y --no-install-recommends linux-perf && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /opt/kvmbench
# tini as PID 1 forwards signals to kvmbench's whole process group (-g), as a terminal's Ctrl-C does;
# node as PID 1 would ignore SIGINT until it installs a handler. `docker run --init` works on top of it.
COPY --from=build /usr/bin/tini-static /usr/bin/tini
COPY --from=build /src/package.json /src/results.schema.json ./
COPY --from=production-modules /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/guests/manifest.json ./guests/manifest.json
COPY --from=build /src/guests/build/ ./guests/build/
COPY --from=build /src/src/native/build/Release/kvmbench.node /src/src/native/build/Release/kvmbench_views.node ./src/native/build/Release/
RUN mkdir -p /results && chown node:node /results
# Non-root by default. /dev/kvm 0666: nothing more; 0660: --group-add <its gid>; 0600 root-only:
# --user 0 (or make it 0660 on the host). `kvmbench doctor` and the open error say which.
USER node
ARG VERSION=unknown
ARG GIT_REVISION=
ARG SOURCE_URL=unknown
# scripts/container/build.sh sets these from package.json, git and the clock; a plain `docker build`
# leaves them unknown.
ARG CREATED=unknown
LABEL org.opencontainers.image.title="kvmbench" \
      org.opencontainers.image.description="Benchmark and trace Linux KVM exits from Node.js" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${GIT_REVISION}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.url="${SOURCE_URL}" \
      org.opencontainers.image.created="${CREATED}"
ENV NODE_ENV=production \
    KVMBENCH_GIT_REVISION=${GIT_REVISION} \
    TINI_SUBREAPER=1
# No VOLUME: an anonymous volume per run would outlive it unseen; mount a folder with -v DIR:/results.
ENTRYPOINT ["/usr/bin/tini", "-g", "--", "node", "/opt/kvmbench/dist/src/cli/main.js"]
CMD ["run", "--out", "/results"]
