"""The bridge to Doccano: a local server, project setup, idempotent push, pull, annotate and pre-annotate.

Plain typed functions live in the modules below; `cli.py` only parses options and prints.
"""
