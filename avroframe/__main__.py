"""``python -m avroframe`` runs the ``avroframe`` command line."""

import sys

from avroframe.cli import main

sys.exit(main())
