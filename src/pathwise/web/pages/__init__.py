"""Server-rendered pages (Jinja2 templates, htmx for small in-page updates).

Pages work without JavaScript; htmx only spares full reloads. Views translate
between forms and service calls and hold no rules of their own.
"""
