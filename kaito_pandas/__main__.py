"""``python -m kaito_pandas``: the same as the ``kaito-pandas`` command."""

import sys

from kaito_pandas.cli import main

sys.exit(main())
