"""The command line: one module per verb, each thin (parse, call a stage, format)."""
