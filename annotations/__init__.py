"""The factcheck domain app: articles, claims, sources, verdicts and their workflow."""
