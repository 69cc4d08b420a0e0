"""Command modules: each registers its commands on the app (parse → call → render)."""
