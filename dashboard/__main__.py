"""``python -m dashboard`` runs the ``trade-dashboard`` command line."""

import sys

from dashboard.cli import main

sys.exit(main())
