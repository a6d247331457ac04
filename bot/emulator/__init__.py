"""A Bot API emulator: a real HTTP server on loopback that behaves as Telegram does.

``World`` holds the chats, users, messages and polls; ``server`` speaks the Bot
API over HTTP and a reader-side API for tests and the demo.
"""
