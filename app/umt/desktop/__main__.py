"""`python -m umt.desktop` opens the control center (the autostart entry uses this)."""

import sys

from umt.desktop.main import main

sys.exit(main())
