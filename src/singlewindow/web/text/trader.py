"""Trader pages' text (zh, en)."""

TEXT: dict[str, tuple[str, str]] = {
    "trader.nav_dashboard": ("工作台", "Dashboard"),
    "trader.nav_new": ("新建申报", "New declaration"),
    "trader.nav_declarations": ("我的申报", "My declarations"),
    "trader.nav_query": ("通关查询", "Clearance query"),
    "trader.nav_subscriptions": ("消息订阅", "Subscriptions"),
    "trader.nav_mandates": ("委托管理", "Mandates"),
}
