"""The model to a MkDocs site: the plugin, the generated pages, the blog speed-ups, the build."""
