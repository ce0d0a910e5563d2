"""The piccolo-admin site: table configs, Vietnamese translation, province scoping."""
