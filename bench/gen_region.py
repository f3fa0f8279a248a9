"""Generate a synthetic national set of region files: ``python -m bench.gen_region --out DIR``."""

from coordinator.gen_region import main

if __name__ == "__main__":
    raise SystemExit(main())
