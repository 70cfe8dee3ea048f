"""``python -m serde`` runs the ``avroframe`` command line."""

import sys

from .cli import main

sys.exit(main())
