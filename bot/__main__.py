"""`python -m bot` is `tuoyu`."""

import sys

from bot.cli import main

sys.exit(main())
