# The Lambda image: AWS's Python 3.12 base plus the task root that `lsctl build` assembled in
# build/bundle (requirements installed for Lambda's platform, the patched compiler, function/,
# precompiled bytecode). Nothing is installed here: no pip, no network during the image build.
#
# The base is pinned by digest, so a rebuild from the same commit gets the same base. Updating it
# is one line, the `FROM ... AS lambda-base` below (Dependabot's docker updates do it: Dependabot
# reads image references written on a FROM line, not ARG defaults). By hand:
#   skopeo inspect --format '{{.Digest}}' docker://public.ecr.aws/lambda/python:3.12
# `--build-arg BASE_IMAGE=<image>` builds on another base (e.g. a mirror) without editing this file.
ARG BASE_IMAGE=lambda-base

# checkov:skip=CKV_DOCKER_2: Lambda never runs a HEALTHCHECK; GET /health and `lsctl smoke` do that
# checkov:skip=CKV_DOCKER_3: Lambda runs the image as its own unprivileged user, whatever USER says
FROM public.ecr.aws/lambda/python:3.12@sha256:0628ddc11919f85f4261517d356392dbbc6b3181568d87a376ae2e814464c230 AS lambda-base

# checkov:skip=CKV_DOCKER_7: BASE_IMAGE defaults to the digest-pinned lambda-base stage above
FROM ${BASE_IMAGE}

# Set by `lsctl image` (from git and build/bundle-report.json).
ARG GIT_COMMIT=unknown
ARG COMPILER_COMMIT=missing

LABEL org.opencontainers.image.title="lattice-surgery-compiler" \
      org.opencontainers.image.description="The Lattice Surgery Compiler as an AWS Lambda function" \
      org.opencontainers.image.revision="${GIT_COMMIT}" \
      com.latticesurgery.compiler.commit="${COMPILER_COMMIT}"

# Reported by GET /health (the stack sets LSC_IMAGE_URI, which the image cannot know).
ENV LSC_GIT_COMMIT=${GIT_COMMIT}

COPY build/bundle/ ${LAMBDA_TASK_ROOT}/

CMD ["app.lambda_handler"]
