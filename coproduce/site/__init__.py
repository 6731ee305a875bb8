"""The site layer: root URLs, the home page, /healthz and the demo commands.

The only part of the project that gathers from every app. The rest of `coproduce`
(its core) imports no app; tests/test_layers.py checks both by folder.
"""
