# syntax=docker/dockerfile:1
# Build stage: a static, CGO-free binary (the SQLite driver is pure Go).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
# gofpdf, zxcvbn and go-qrcode are vendored (go.mod replace); their go.mod
# files are needed to resolve modules (TestDockerfileCopiesReplacedModules).
COPY third_party/gofpdf/go.mod third_party/gofpdf/go.sum third_party/gofpdf/
COPY third_party/zxcvbn/go.mod third_party/zxcvbn/
COPY third_party/go-qrcode/go.mod third_party/go-qrcode/
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/suratdesa ./app \
 && mkdir -p /out/data

# Run stage: distroless static image, no shell, runs as uid 65532 (nonroot).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/suratdesa /app
COPY --from=build --chown=65532:65532 /out/data /data
ENV APP_ADDR=:8080 \
    APP_STORAGE=/data
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["/app", "healthcheck"]
ENTRYPOINT ["/app"]
CMD ["serve"]
