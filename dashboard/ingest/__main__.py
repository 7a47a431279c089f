import sys

from dashboard.ingest.cli import main

sys.exit(main())
