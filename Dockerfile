# syntax=docker/dockerfile:1
# aks-egress-guard node agent: egressd and egressctl and their shared libraries, nothing else.
#
#   docker build -t egressd:dev .
#   (without a Docker engine or registry: tools/build-image.sh, the same image root; docs/image.md)
#
# Stage 1 builds with exactly the toolchain the tests use (tools/install-deps.sh, Debian packages
# only). Stage 2 installs the runtime halves of the libraries in a Debian root and collects the two
# binaries with exactly their shared-library closure (tools/image/image-root.sh, which also checks
# it). Stage 3 is that closure on an empty base: no shell, no package manager, no apt or dpkg
# state, no setuid files; the BPF objects are embedded in the binaries as skeletons.

FROM debian:bookworm AS build
WORKDIR /src
# The dependency script first, so the package layer is cached across source changes.
COPY tools/install-deps.sh tools/install-deps.sh
RUN bash tools/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
# RelWithDebInfo (-O2) is the configuration tools/test.sh tests, so the image ships what was
# tested; install -s strips the debug info.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEGRESS_TESTS=OFF -DEGRESS_BENCH=OFF \
 && cmake --build /build --target egressd egressctl -j"$(nproc)" \
 && install -s -D -m 0755 /build/userspace/daemon/egressd /out/usr/local/bin/egressd \
 && install -s -D -m 0755 /build/userspace/cli/egressctl /out/usr/local/bin/egressctl

FROM debian:bookworm-slim AS libraries
# The runtime halves of the -dev packages the binaries link: libbpf (with libelf and zlib),
# libnl-3 and libnl-route-3 (TC backstop), yaml-cpp (config), c-ares (active DNS resolution).
# libstdc++6 and libc6 are part of the base image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libbpf1 libelf1 zlib1g libnl-3-200 libnl-route-3-200 libyaml-cpp0.7 libc-ares2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /image/
COPY tools/image/image-root.sh /usr/local/sbin/image-root.sh
# Copies the closure into /image and fails the build, not the node, if anything is missing or extra.
RUN image-root.sh / /image

FROM scratch AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
COPY --from=libraries /image/ /
ENV PATH=/usr/local/bin
LABEL org.opencontainers.image.title="aks-egress-guard" \
      org.opencontainers.image.description="eBPF egress enforcement for AKS nodes: egressd and egressctl" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# The DaemonSet runs it as uid 0 with only CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON
# (manifests/base/daemonset.yaml explains why not a non-root uid).
ENTRYPOINT ["/usr/local/bin/egressd", "--config", "/etc/aks-egress-guard/config.yaml"]
