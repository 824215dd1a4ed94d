import sys

from lethe.cli import main

sys.exit(main())
