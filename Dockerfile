# kvmbench in a container. Build:   docker build -t kvmbench .
# Run:     docker run --rm --device /dev/kvm -v "$PWD/results:/results" kvmbench run --out /results
# Tracing needs more privilege; see the README's "Containers" section.
#
# NODE_IMAGE lets an offline build substitute a locally made Node base image (scripts/container-test.sh).
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc g++ make python3 binutils libc6-dev linux-libc-dev \
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
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="kvmbench" \
      org.opencontainers.image.description="Benchmark and trace Linux KVM exits from Node.js"
WORKDIR /opt/kvmbench
COPY --from=build /src/package.json /src/results.schema.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/guests/manifest.json ./guests/manifest.json
COPY --from=build /src/guests/build/ ./guests/build/
COPY --from=build /src/src/native/build/Release/kvmbench.node ./src/native/build/Release/kvmbench.node
RUN mkdir -p /results && chown node:node /results
# Non-root: /dev/kvm is usually mode 0666; where it is 0660, add --group-add $(stat -c %g /dev/kvm).
USER node
ENV NODE_ENV=production
VOLUME ["/results"]
ENTRYPOINT ["node", "/opt/kvmbench/dist/src/cli/main.js"]
CMD ["run", "--out", "/results"]
