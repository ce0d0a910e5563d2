"""The ``training`` command line: thin commands over the domain packages."""
