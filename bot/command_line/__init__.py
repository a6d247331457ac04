"""The ``newsbot`` command line's sub-commands, one module a group (``bot.cli`` builds
the parser from them and runs the one asked for)."""
