"""`python -m cpmetrics`."""

import sys

from cpmetrics.cli import main

# Guarded: a Dask LocalCluster's worker processes are spawned, and spawning imports the
# parent's main module again (as __mp_main__), which must not run the command a second time.
if __name__ == "__main__":
    sys.exit(main())
