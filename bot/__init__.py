"""newsbot: publishes long articles to Telegram channels and collects the discussion."""

import sys

__version__ = "0.1.0"

# httpx (python-telegram-bot's HTTP client) imports its command-line tool on import; where
# click and pygments are installed (by other packages) that loads both, only to fail on
# rich: some 5 MiB held for a tool newsbot never runs. Marked absent, httpx skips it.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
