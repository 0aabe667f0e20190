"""The demo school's content sources and the script that writes the shipped files (see generate.py)."""
