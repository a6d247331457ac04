"""Articles: reading a file, recognising its structure, and cutting it into posts."""
