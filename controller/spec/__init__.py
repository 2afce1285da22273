"""FlowSpec files in Git: discovery, safe parsing, script files, ``${VAR}`` placeholders, validation."""
