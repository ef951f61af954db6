"""The portal's catalogue: one module per area, each a ``TEXT`` dict of key → (zh, en).

Keys are namespaced by area (``common.*``, ``trader.*``, ``agency.*``, ``port.*``,
``operator.*``); ``i18n`` merges the modules and refuses a key defined twice.
"""
