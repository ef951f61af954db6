"""Platform operators' pages' text (zh, en)."""

TEXT: dict[str, tuple[str, str]] = {
    "operator.nav_status": ("节点状态", "Node status"),
    "operator.nav_messages": ("报文监控", "Message monitor"),
    "operator.nav_parties": ("主体与用户", "Parties and users"),
    "operator.nav_code_tables": ("代码表", "Code tables"),
    "operator.nav_routing": ("路由规则", "Routing rules"),
}
