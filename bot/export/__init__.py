"""Comment-log exports for moderators: CSV, JSON and JSON Lines, streamed to a file."""
