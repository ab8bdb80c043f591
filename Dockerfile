# Home Assistant add-on image. BUILD_FROM may be overridden; since Supervisor 2026.04 it is no longer
# supplied, so the default must be a real base image (Alpine 3.22: Node.js 22, ffmpeg with VAAPI/QSV).
ARG BUILD_FROM=ghcr.io/home-assistant/base:3.22

# --- build: TypeScript → dist/, production node_modules (sqlite3 is a native module: build it on
# the same libc and Node.js major as the runtime, hence the same base image) ---
FROM ${BUILD_FROM} AS build
RUN apk add --no-cache nodejs npm python3 make g++
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime ---
FROM ${BUILD_FROM}
# ffmpeg with VAAPI; Mesa for AMD; Intel's media drivers (iHD, i965) and oneVPL runtime for QSV on x86_64.
RUN apk add --no-cache nodejs ffmpeg libva-utils mesa-va-gallium curl \
 && if [ "$(apk --print-arch)" = "x86_64" ]; then \
      apk add --no-cache intel-media-driver libva-intel-driver onevpl-intel-gpu; \
    fi
# s6 gives a stopping service 3 s by default; the program needs time to kill ffmpeg, finish a file
# that is being put in place and publish MQTT `offline` (config.yaml timeout: 60).
ENV S6_SERVICES_GRACETIME=55000 \
    S6_KILL_GRACETIME=3000
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY addon/rootfs /

ARG BUILD_VERSION=dev
ARG BUILD_ARCH=amd64
LABEL io.hass.type="app" \
      io.hass.name="Shrinkray" \
      io.hass.description="Shrink your video library to HEVC or AV1" \
      io.hass.version="${BUILD_VERSION}" \
      io.hass.arch="${BUILD_ARCH}"

# The Supervisor shows the container as starting until healthy and restarts it when unhealthy.
HEALTHCHECK --interval=60s --timeout=5s --start-period=30s --start-interval=3s \
  CMD ["/usr/local/bin/shrinkray-healthcheck"]
