"""Files to a typed model: the front-matter schema, the loader, and the checks editors run."""
