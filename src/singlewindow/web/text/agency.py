"""Agency officers' pages' text (zh, en)."""

TEXT: dict[str, tuple[str, str]] = {
    "agency.nav_worklist": ("待办工作", "Worklist"),
    "agency.nav_inspections": ("查验作业", "Inspections"),
    "agency.nav_indicators": ("通关时效", "Service times"),
    "agency.nav_query": ("通关查询", "Clearance query"),
}
