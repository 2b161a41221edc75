"""The platform the bundle is built for: Lambda's python3.12 image (Amazon Linux 2023, glibc
2.34, x86_64), whose task root is /var/task."""

from __future__ import annotations

LAMBDA_TASK_ROOT = "/var/task"
PYTHON_VERSION = "3.12"
UV_PLATFORM = "x86_64-manylinux_2_28"
PIP_PLATFORM = "manylinux_2_28_x86_64"
