"""Demo content for `manage.py loaddemo`: original articles written for this project."""
