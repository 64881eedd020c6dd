# parley: multi-stage build; the same image runs `parley run`, `worker`, `schedule`, `serve` (the review
# app, port 8080; its pages, scripts and styles are inside the binary) and the CLI. The builder compiles the pinned whisper.cpp with scripts/whisper.sh (the
# same script as the Makefile and CI) and links parley against it; the runtime image is Debian slim with
# the binary, whisper's and ggml's shared libraries (a CPU backend per instruction set, chosen at start
# for the CPU the container runs on) and the OpenMP runtime. Models live in the /models volume:
#   docker run -v parley-models:/models parley models pull base.en
# and the sentence encoder in /models/all-MiniLM-L6-v2 (parley models list says where to get it).
#   docker run -v parley-models:/models -v "$PWD/calls:/calls" -v "$PWD/out:/out" parley run --out /out /calls
# MinIO for compose.yaml (target `minio`), built from source at the version parley's tests run against
# (MINIO_VERSION in scripts/setup.sh).
FROM golang:1.26-bookworm AS minio-build
ARG MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
RUN GOBIN=/out go install github.com/minio/minio@${MINIO_VERSION}
FROM debian:bookworm-slim AS minio
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=minio-build /out/minio /usr/local/bin/minio
EXPOSE 9000 9001
ENTRYPOINT ["minio"]

FROM golang:1.26-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends cmake g++ make npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/whisper.sh scripts/whisper.sh
COPY scripts/whisper-patches scripts/whisper-patches
ENV PARLEY_CACHE=/cache
RUN scripts/whisper.sh build
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN make build
# The shared libraries the binary runs with (whisper, ggml, a CPU backend per instruction set): beside
# each other in the image's library path, where parley finds the backend for the CPU it runs on.
RUN mkdir -p /out/lib && d=$(scripts/whisper.sh libdir) && if [ -n "$d" ]; then cp -a "$d"/lib*.so* /out/lib/; fi

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 libstdc++6 ca-certificates && rm -rf /var/lib/apt/lists/* \
	&& useradd --system --create-home parley && mkdir /models /results && chown parley /models /results
COPY --from=build /out/lib/ /usr/local/lib/
COPY --from=build /src/bin/parley /usr/local/bin/parley
RUN ldconfig
USER parley
WORKDIR /home/parley
ENV PARLEY_MODEL_DIR=/models PARLEY_INDEX_PATH=/results/parley-results.db
VOLUME /models /results
EXPOSE 8080
ENTRYPOINT ["parley"]
CMD ["--help"]
