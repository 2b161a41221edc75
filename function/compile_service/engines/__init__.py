"""The compilers behind the service, one small class each over one base class (base.py):

- lsqecc.py        the Python lattice-surgery compiler, in process (the default; /compile's)
- liblsqecc.py     liblsqecc's lsqecc_slicer, a separate program (limited_process.py), with its
                   front end (liblsqecc_input.py), output reader (slice_stream.py) and cost
                   model (liblsqecc_cost.py)

The service asks `get(name)` for the engine a request chose and knows nothing else about it.
"""

from __future__ import annotations

from compile_service.engines.base import Engine, EngineOptions, Prediction, Run
from compile_service.engines.liblsqecc import LiblsqeccEngine
from compile_service.engines.lsqecc import LsqeccEngine

ENGINES: dict[str, Engine] = {engine.name: engine for engine in (LsqeccEngine(), LiblsqeccEngine())}
DEFAULT = "lsqecc"


def get(name: str) -> Engine:
    return ENGINES[name]


__all__ = ["DEFAULT", "ENGINES", "Engine", "EngineOptions", "Prediction", "Run", "get"]
