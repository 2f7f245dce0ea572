"""``python -m engine.cli``: the same as the ``timbre-cli`` console script."""

import sys

from . import main

sys.exit(main())
