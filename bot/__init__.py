"""newsbot: publishes long articles to Telegram channels and collects the discussion."""

__version__ = "0.1.0"
