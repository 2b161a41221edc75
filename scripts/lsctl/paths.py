"""Where things live in a checkout of this repository."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTION_DIR = REPO_ROOT / "function"
COMPILER_DIR = REPO_ROOT / "compiler"
PATCHES_DIR = REPO_ROOT / "patches"
BUILD_DIR = REPO_ROOT / "build"
PATCHED_COMPILER_DIR = BUILD_DIR / "compiler"
REQUIREMENTS_DIR = REPO_ROOT / "requirements"
