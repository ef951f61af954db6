"""Port operators' pages' text (zh, en)."""

TEXT: dict[str, tuple[str, str]] = {
    "port.nav_overview": ("码头概况", "Overview"),
    "port.nav_capacity": ("查验能力", "Inspection capacity"),
    "port.nav_bookings": ("查验预约", "Bookings"),
    "port.nav_releases": ("放行信息", "Release notices"),
    "port.nav_gate": ("闸口作业", "Gate"),
}
