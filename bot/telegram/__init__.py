"""The Telegram edge: the HTTP client, HTML as Telegram reads it, links, update shapes
and rate limits."""
