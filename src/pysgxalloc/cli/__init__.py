"""The command line: everything that prints or draws lives here, and the library below returns data.

``main.py`` builds the parser and runs a command; ``commands/`` holds one module per command;
``arguments.py`` the argparse types (public: bench scripts use them too); ``tables.py`` and
``verdicts.py`` turn summaries into rich tables and sentences; ``plots.py`` draws figures.
"""
