"""Project configuration: split settings, URL routes and the WSGI entry point.

`base` holds everything shared and reads the environment; `development`, `test` and `production` are small
overrides chosen with ``DJANGO_SETTINGS_MODULE``.
"""
