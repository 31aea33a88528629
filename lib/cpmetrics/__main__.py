"""`python -m cpmetrics`."""

import sys

from cpmetrics.cli import main

sys.exit(main())
