# fedmetrics-adapter's image, for users with docker, podman or buildah:
#
#   docker build --build-arg FEDMETRICS_GIT_VERSION="$(git describe --tags --match 'v[0-9]*' --dirty)" \
#                -t fedmetrics-adapter .
#
# It is the image scripts/image builds without a container engine (and CI tests): the same base recipe
# (scripts/lib/image/rootfs.sh: only the Debian 12 packages holding the binary's shared libraries, tzdata,
# the CA bundle, user 65532, no shell), the same install rule (cmake --install --strip), the same
# configuration (user, working directory, entrypoint). Without the build argument the version comes from
# the .git directory of the build context (git describe), as in scripts/build.sh.
ARG DEBIAN_IMAGE=debian:bookworm

# 1. Build the binary, list the packages of its libraries.
FROM ${DEBIAN_IMAGE} AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh build
COPY . .
ARG FEDMETRICS_GIT_VERSION=""
ARG FEDMETRICS_GIT_COMMIT=""
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DFEDMETRICS_GIT_VERSION="${FEDMETRICS_GIT_VERSION}" -DFEDMETRICS_GIT_COMMIT="${FEDMETRICS_GIT_COMMIT}" \
 && ninja -C /build fedmetrics-adapter \
 && DESTDIR=/out cmake --install /build --prefix /usr --strip \
 && scripts/lib/image/packages.sh /out/usr/bin/fedmetrics-adapter > /packages

# 2. The base root file system from those packages (mmdebstrap, extract only: nothing runs in it).
FROM ${DEBIAN_IMAGE} AS rootfs
RUN apt-get update && apt-get install -y --no-install-recommends mmdebstrap && rm -rf /var/lib/apt/lists/*
COPY scripts/lib/image/rootfs.sh /rootfs.sh
COPY --from=build /packages /packages
RUN /rootfs.sh /base.tar $(cat /packages) && mkdir /rootfs && tar -C /rootfs -xf /base.tar

# 3. The image: base, then the binary.
FROM scratch
COPY --from=rootfs /rootfs/ /
COPY --from=build /out/ /
USER 65532:65532
WORKDIR /home/nonroot
EXPOSE 443/tcp 8080/tcp
ENTRYPOINT ["/usr/bin/fedmetrics-adapter"]
