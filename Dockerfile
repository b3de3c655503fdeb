# syntax=docker/dockerfile:1
# aks-egress-guard node agent: egressd and egressctl on Debian bookworm.
#
#   docker build -t egressd:dev .
#
# Stage 1 builds with exactly the toolchain the tests use (tools/install-deps.sh, Debian packages
# only); stage 2 carries the two binaries and their shared libraries, nothing else: no compiler,
# no clang/bpftool (the BPF objects are embedded in the binaries as skeletons), no headers.

FROM debian:bookworm AS build
WORKDIR /src
# The dependency script first, so the package layer is cached across source changes.
COPY tools/install-deps.sh tools/install-deps.sh
RUN bash tools/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
# RelWithDebInfo (-O2) is the configuration tools/test.sh tests, so the image ships what was
# tested; install -s strips the debug info. (GCC 12 at -O3, i.e. Release, reports bogus
# -Wrestrict/-Wstringop-overflow in libstdc++ string and vector code, which -Werror makes fatal.)
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEGRESS_TESTS=OFF -DEGRESS_BENCH=OFF \
 && cmake --build /build --target egressd egressctl -j"$(nproc)" \
 && install -s -D -m 0755 /build/userspace/daemon/egressd /out/usr/local/bin/egressd \
 && install -s -D -m 0755 /build/userspace/cli/egressctl /out/usr/local/bin/egressctl

FROM debian:bookworm-slim AS runtime
# The runtime halves of the -dev packages the binaries link: libbpf (with libelf and zlib),
# libnl-3 and libnl-route-3 (TC backstop), yaml-cpp (config), c-ares (active DNS resolution).
# libstdc++6 and libc6 are part of the base image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libbpf1 libelf1 zlib1g libnl-3-200 libnl-route-3-200 libyaml-cpp0.7 libc-ares2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /
# Fail the build, not the node, if a shared library is missing.
RUN ! ldd /usr/local/bin/egressd /usr/local/bin/egressctl | grep -q 'not found' \
 && egressctl version
# The DaemonSet runs it as uid 0 with only CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON
# (manifests/base/daemonset.yaml explains why not a non-root uid).
ENTRYPOINT ["/usr/local/bin/egressd", "--config", "/etc/aks-egress-guard/config.yaml"]
