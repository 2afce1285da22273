"""``python -m controller`` is the same as ``dataworks-gitops``."""

import sys

from controller.cli import main

sys.exit(main())
