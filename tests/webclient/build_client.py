"""Build the latticesurgery.com web client (latticesurgery-com/web-ui) for the browser test.

    python tests/webclient/build_client.py <web-ui checkout> [<build dir>]
    make webclient WEBUI=<web-ui checkout>

The checkout is copied (git clone, so only its tracked files) into <build dir>/web-ui (default
build/webclient/web-ui), its `@lattice-surgery/liblsqecc` dependency (the in-browser compiler, on
no registry) is pointed at a stub package written to <build dir>/liblsqecc-stub (the Litinski mode
under test never loads it: that mode posts to this service), then `npm install` (the client's
own lock file for the rest) and `npm run build` write the static site to <build dir>/web-ui/build,
which test_web_client.py serves; playwright-core (which drives Debian's chromium) goes to
<build dir>/driver.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BUILD = REPO / "build" / "webclient"
STUB_NAME = "@lattice-surgery/liblsqecc"
# The in-browser compiler's API as the client calls it (CircuitSelect/index.tsx): load() -> run().
STUB_SOURCE = """\
const stub = {
  load: async () => ({
    run: () => ({ exit_code: 1, output: "", err: "in-browser compiler stubbed for this build" }),
  }),
};
export default stub;
"""
STUB_TYPES = """\
declare const stub: {
  load(): Promise<{ run(...args: string[]): { exit_code: number; output: string; err: string } }>;
};
export default stub;
"""


# The browser driver (drive_client.mjs) runs Debian's chromium through playwright-core.
PLAYWRIGHT_CORE = "playwright-core@1"


def dist_dir(build: Path = DEFAULT_BUILD) -> Path:
    """The built static site (the client's vite.config.ts writes to build/)."""
    return build / "web-ui" / "build"


def driver_dir(build: Path = DEFAULT_BUILD) -> Path:
    """Where playwright-core is installed for drive_client.mjs (its node_modules)."""
    return build / "driver"


def write_stub(build: Path) -> Path:
    stub = build / "liblsqecc-stub"
    stub.mkdir(parents=True, exist_ok=True)
    package = {
        "name": STUB_NAME,
        "version": "0.3.1",
        "type": "module",
        "main": "index.js",
        "types": "index.d.ts",
    }
    (stub / "package.json").write_text(json.dumps(package, indent=2) + "\n")
    (stub / "index.js").write_text(STUB_SOURCE)
    (stub / "index.d.ts").write_text(STUB_TYPES)
    return stub


def build(checkout: Path, build_dir: Path = DEFAULT_BUILD) -> Path:
    """Clone `checkout`, stub its in-browser compiler, install and build: the dist directory."""
    client = build_dir / "web-ui"
    if client.exists():
        shutil.rmtree(client)
    build_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "--quiet", str(checkout), str(client)], check=True)
    stub = write_stub(build_dir)
    package_file = client / "package.json"
    package = json.loads(package_file.read_text())
    package["dependencies"][STUB_NAME] = f"file:{stub}"
    package_file.write_text(json.dumps(package, indent=2) + "\n")
    npm = ["npm", "--no-audit", "--no-fund", "--loglevel=error"]
    subprocess.run([*npm, "install"], cwd=client, check=True)
    subprocess.run([*npm, "run", "build"], cwd=client, check=True)
    driver = driver_dir(build_dir)
    driver.mkdir(parents=True, exist_ok=True)
    (driver / "package.json").write_text('{"name": "web-client-driver", "private": true}\n')
    subprocess.run([*npm, "install", PLAYWRIGHT_CORE], cwd=driver, check=True)
    return dist_dir(build_dir)


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    dist = build(
        Path(argv[0]).resolve(), Path(argv[1]).resolve() if len(argv) > 1 else DEFAULT_BUILD
    )
    print(f"web client built in {dist}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
