"""Project configuration for factcheck: settings, root URLconf, WSGI/ASGI entry points. No domain code."""
