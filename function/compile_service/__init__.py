"""The lattice-surgery compile service: API (api.py) → service logic (service.py) → compiler adapter
(compiler.py). Everything else supports one of those three."""
