# Home Assistant add-on image: the published multi-arch image (.github/workflows/image.yaml) and a
# local build by the Supervisor (DOCS.md, "Building the image yourself") use this same file.
#
# Base image, pinned: Home Assistant's Alpine base at Alpine 3.22. The Alpine minor fixes the package
# set the program depends on (Node.js 22, ffmpeg 6.1 with libx265, SVT-AV1, VAAPI and oneVPL/Quick
# Sync on x86_64); `latest` would move to the next Alpine with other ffmpeg and Node majors without a
# change here. Home Assistant publishes only one tag per Alpine minor (rebuilt for security fixes),
# so the minor is the pin; moving it is a deliberate, reviewed change (build.yaml names the same one).
# Since Supervisor 2026.04 BUILD_FROM is no longer passed by default, so the default must be real.
ARG BUILD_FROM=ghcr.io/home-assistant/base:3.22

# --- build: TypeScript → dist/, production node_modules (sqlite3 is a native module: build it on
# the same libc and Node.js major as the runtime, hence the same base image) ---
FROM ${BUILD_FROM} AS build
RUN apk add --no-cache nodejs npm python3 make g++
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- vmaf: a scoring-only ffmpeg linked to libvmaf, installed beside the distribution's ffmpeg ---
# Alpine's ffmpeg has no libvmaf on any release, and SmartShrink needs VMAF. Two ways were weighed:
#  a) rebuild the whole ffmpeg with libvmaf: it must keep every encoder the distribution's has
#     (libx265, SVT-AV1, VAAPI, Quick Sync through oneVPL, ~50 external libraries): an estimated
#     25-40 min per architecture on a 4-vCPU runner, and every Alpine security update of ffmpeg
#     would have to be redone here;
#  b) (chosen) keep Alpine's ffmpeg for encoding and add a second, small ffmpeg that only decodes
#     and scores: all of ffmpeg's native decoders and demuxers (sources can be anything), dav1d for
#     AV1, zlib, libvmaf with its built-in models; no encoders except the two the null muxer needs,
#     no muxers but null, no network, no devices, no hardware (--disable-autodetect).
#     Figures: the binary is estimated at about 20 MB: Debian's complete ffmpeg 5.1 libraries are
#     32 MB (avcodec 14.9, avfilter 12.6, avformat 2.8, the rest 1.7), with every encoder and muxer
#     and ~40 external libraries this build leaves out; libvmaf with its built-in models adds 1-2 MB.
#     This configure line was run against ffmpeg 5.1's source (it passes; only libvmaf was missing
#     there); a full compile did not fit on the 2 shared cores it was checked on. On a 4-vCPU GitHub
#     runner the stage should take 5-8 min per architecture (about 1,800 objects to compile, counted
#     from this configure), and
#     Docker's layer cache skips it while the versions below don't change. It adds one file,
#     /usr/local/bin/ffmpeg-vmaf, to an image of roughly 300 MB (Alpine's ffmpeg with its
#     libraries and the GPU drivers account for most of it).
# Sources are pinned by version and checksum: libvmaf's as published with its GitHub tag, ffmpeg's
# the sha512 Alpine's own ffmpeg package uses for the same tarball.
FROM ${BUILD_FROM} AS vmaf
# xxd turns libvmaf's model files into C arrays (built_in_models); nasm for the x86 assembly.
RUN apk add --no-cache build-base meson nasm xxd pkgconf tar xz dav1d-dev zlib-dev linux-headers
ARG VMAF_VERSION=3.0.0
ARG VMAF_SHA256=7178c4833639e6b989ecae73131d02f70735fdb3fc2c7d84bc36c9c3461d93b1
ARG FFMPEG_VERSION=8.0.1
ARG FFMPEG_SHA512=7af5cd1c7ba04f8d7ea1b54b64b9c235f2a606dc0c18d25cfdf20958bcad4851d3265b4894fc6ba5dd205c2309971c7e7fb890ee1d64e0a41a3faf159f77957f
WORKDIR /src
RUN curl -fsSL --retry 3 -o vmaf.tar.gz "https://github.com/Netflix/vmaf/archive/refs/tags/v${VMAF_VERSION}.tar.gz" \
 && echo "${VMAF_SHA256}  vmaf.tar.gz" | sha256sum -c - \
 && tar -xzf vmaf.tar.gz \
 && meson setup vmaf-build "vmaf-${VMAF_VERSION}/libvmaf" --prefix=/opt/vmaf --libdir=lib --buildtype=release \
      --default-library=static -Dbuilt_in_models=true -Denable_tests=false -Denable_docs=false \
 && meson compile -C vmaf-build \
 && meson install -C vmaf-build
RUN curl -fsSL --retry 3 -o ffmpeg.tar.xz "https://ffmpeg.org/releases/ffmpeg-${FFMPEG_VERSION}.tar.xz" \
 && echo "${FFMPEG_SHA512}  ffmpeg.tar.xz" | sha512sum -c - \
 && tar -xJf ffmpeg.tar.xz \
 && cd "ffmpeg-${FFMPEG_VERSION}" \
 && PKG_CONFIG_PATH=/opt/vmaf/lib/pkgconfig ./configure --prefix=/opt/ffmpeg-vmaf \
      --pkg-config-flags=--static --extra-libs=-lstdc++ \
      --disable-debug --disable-doc --disable-ffplay --disable-ffprobe \
      --disable-autodetect --disable-network --disable-devices \
      --disable-encoders --enable-encoder=rawvideo,wrapped_avframe \
      --disable-muxers --enable-muxer=null \
      --enable-zlib --enable-libdav1d --enable-libvmaf \
 && make -j"$(nproc)" \
 && make install

# --- runtime ---
FROM ${BUILD_FROM}
# ffmpeg with VAAPI; Mesa for AMD; Intel's media drivers (iHD, i965) and oneVPL runtime for QSV on x86_64.
# setpriv (util-linux): encoders are started with --pdeathsig so they die with the service (D20).
RUN apk add --no-cache nodejs ffmpeg libva-utils mesa-va-gallium curl setpriv \
 && if [ "$(apk --print-arch)" = "x86_64" ]; then \
      apk add --no-cache intel-media-driver libva-intel-driver onevpl-intel-gpu; \
    fi
# s6 gives a stopping service 3 s by default; the program needs time to kill ffmpeg, finish a file
# that is being put in place and publish MQTT `offline` (config.yaml timeout: 60).
# SHRINKRAY_VMAF_FFMPEG: the scoring ffmpeg from the vmaf stage, for SmartShrink.
ENV S6_SERVICES_GRACETIME=55000 \
    S6_KILL_GRACETIME=3000 \
    SHRINKRAY_VMAF_FFMPEG=/usr/local/bin/ffmpeg-vmaf
COPY --from=vmaf /opt/ffmpeg-vmaf/bin/ffmpeg /usr/local/bin/ffmpeg-vmaf
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY addon/rootfs /
# Fails the build, on each architecture, unless the image can do what it promises: libx265 and
# SVT-AV1 (plus VAAPI and Quick Sync on x86_64) in the encoding ffmpeg, a VMAF score from the
# scoring one on real HEVC and AV1 files, and the program starting.
RUN /usr/local/bin/shrinkray-image-check

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
