"""``python -m dashboard`` runs the ``trade-dashboard`` command line."""

import sys

from dashboard.cli.main import main

sys.exit(main())
