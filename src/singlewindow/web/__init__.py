"""The portal: server-rendered pages (Jinja2) with htmx partial updates, in Chinese and English.

Layout: ``routes.py`` mounts one router per area (``views/``), ``render.py`` renders a page
whole or, for an htmx request, only its content block (one view serves both), ``auth.py``
turns the session cookie into the caller (or a redirect to the login page), ``i18n.py`` holds
the language switch and the catalogue (``text/``: one module per area, zh and en side by
side), ``static/`` the stylesheet and script, and ``static/vendor/`` the npm packages copied
there by ``make assets`` (htmx, Chart.js). Nothing is fetched from another host at run time.
"""
