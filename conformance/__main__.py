"""`python -m conformance` is `storefront-kit check`."""

import sys

from conformance.cli import main

sys.exit(main(sys.argv[1:]))
