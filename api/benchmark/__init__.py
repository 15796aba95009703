"""`manage.py benchmark`'s parts: bulk data (`data`), the raw-Django baseline views (`raw_views`), and the runner."""
