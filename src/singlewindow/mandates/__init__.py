"""Mandates (代理报关委托): an enterprise authorises a customs broker to declare for it."""
