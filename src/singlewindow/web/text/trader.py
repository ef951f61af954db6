"""Trader pages' text (zh, en)."""

TEXT: dict[str, tuple[str, str]] = {
    "trader.nav_dashboard": ("工作台", "Dashboard"),
    "trader.nav_new": ("新建申报", "New declaration"),
    "trader.nav_declarations": ("我的申报", "My declarations"),
    "trader.nav_query": ("通关查询", "Clearance query"),
    "trader.nav_subscriptions": ("消息订阅", "Subscriptions"),
    "trader.nav_mandates": ("委托管理", "Mandates"),
}

TEXT.update(
    {
        # Shared
        "trader.ie_import": ("进口", "Import"),
        "trader.ie_export": ("出口", "Export"),
        "trader.edit": ("编辑", "Edit"),
        "trader.draft_no_number": ("（草稿，未编号）", "(draft, no number yet)"),
        "trader.no_declarations": (
            "还没有申报记录。新建一份报关单，提交后即可在此跟踪状态。",
            "No declarations yet. Create one; once submitted you follow its status here.",
        ),
        "trader.first_declaration": ("新建第一份申报", "Create your first declaration"),
        "trader.col_unified_no": ("统一编号", "Unified No."),
        "trader.col_entry_no": ("海关编号", "Customs No."),
        "trader.col_client_ref": ("客户参考号", "Client reference"),
        "trader.col_ie": ("进出口", "Import/Export"),
        "trader.col_bill_no": ("提运单号", "B/L No."),
        "trader.col_created": ("创建时间", "Created"),
        "trader.col_submitted": ("申报时间", "Submitted"),
        "trader.col_updated": ("更新时间", "Updated"),
        # Dashboard
        "trader.dashboard_title": ("企业工作台", "Trader dashboard"),
        "trader.total": ("申报总数", "All declarations"),
        "trader.by_status": ("按状态统计", "Declarations by status"),
        "trader.chart_label": ("各状态申报数量环形图", "Doughnut chart of declarations by status"),
        "trader.needs_action": ("待处理事项", "Needs your action"),
        "trader.nothing_to_do": (
            "暂无待处理事项：没有退单、未提交的草稿或待查验的货物。",
            "Nothing needs your action: no rejections, unsent drafts or pending inspections.",
        ),
        "trader.action_rejected": ("退单（请修改后重新申报）", "Rejected (correct and resubmit)"),
        "trader.action_drafts": ("未提交的草稿", "Drafts not submitted"),
        "trader.action_inspections": ("查验预约与待查验", "Inspections booked or waiting"),
        "trader.action_held": ("货物被扣留", "Goods held"),
        "trader.held_by": ("扣留单位", "Held by"),
        "trader.booked_for": ("已预约查验时间", "Inspection booked for"),
        "trader.waiting_booking": ("等待码头安排查验时段", "Waiting for an inspection slot"),
        "trader.waiting_no_terminal": ("尚未确定查验码头", "No terminal assigned yet"),
        "trader.waiting_no_capacity": ("码头暂无可用查验时段", "No free inspection slot yet"),
        "trader.waiting_no_show": ("货物未按时到位，请重新预约", "Goods did not come; book again"),
        "trader.case_open": ("待预约", "Open"),
        "trader.case_booked": ("已预约", "Booked"),
        "trader.case_positioned": ("已到位", "Positioned"),
        "trader.case_inspecting": ("查验中", "Inspecting"),
        "trader.case_partially_released": ("部分放行", "Partly released"),
        "trader.saved_at": ("保存于", "saved"),
        "trader.latest": ("最近的申报", "Latest declarations"),
        "trader.see_all": ("查看全部", "See all"),
        # My declarations
        "trader.list_title": ("我的申报", "My declarations"),
        "trader.filter_q": ("编号搜索", "Number search"),
        "trader.filter_q_hint": (
            "统一编号、海关编号、提运单号或客户参考号",
            "Unified no., customs no., B/L or client reference",
        ),
        "trader.filter_from": ("创建日期自", "Created from"),
        "trader.filter_to": ("创建日期至", "Created to"),
        "trader.sort": ("排序", "Sort"),
        "trader.sort_newest": ("最新在前", "Newest first"),
        "trader.sort_oldest": ("最早在前", "Oldest first"),
        "trader.results": ("申报列表", "Declarations"),
        "trader.no_match": (
            "没有符合条件的申报，请调整筛选条件。",
            "No declaration matches; change the filter.",
        ),
        "trader.pages": ("翻页", "Pages"),
        # Subscriptions
        "trader.subs_title": ("消息订阅", "Subscriptions"),
        "trader.subs_intro": (
            "订阅本企业单证的状态变化、审核决定、查验和放行通知（CloudEvents 1.0）。",
            "Subscribe to status changes, decisions, inspections and releases of your "
            "documents (CloudEvents 1.0).",
        ),
        "trader.subs_list": ("我的订阅", "My subscriptions"),
        "trader.subs_empty": (
            "还没有订阅。在下方新建一个 Webhook 或 SSE 订阅。",
            "No subscriptions yet. Create a webhook or SSE subscription below.",
        ),
        "trader.subs_id": ("订阅号", "Subscription"),
        "trader.subs_delivery": ("推送方式", "Delivery"),
        "trader.subs_types": ("事件类型", "Event types"),
        "trader.subs_all_types": ("全部事件", "All events"),
        "trader.subs_url": ("Webhook 地址", "Webhook URL"),
        "trader.subs_cursor": ("已推送至事件序号", "Delivered up to event"),
        "trader.subs_last_delivered": ("最近推送", "Last delivered"),
        "trader.subs_active": ("正常", "Active"),
        "trader.subs_suspended": ("已暂停", "Suspended"),
        "trader.subs_resume": ("恢复推送", "Resume"),
        "trader.subs_delete": ("删除", "Delete"),
        "trader.subs_delete_confirm": ("确定删除此订阅吗？", "Delete this subscription?"),
        "trader.subs_new": ("新建订阅", "New subscription"),
        "trader.subs_create": ("创建订阅", "Create subscription"),
        "trader.subs_created": ("订阅已创建。", "Subscription created."),
        "trader.subs_deleted": ("订阅已删除。", "Subscription deleted."),
        "trader.subs_resumed": (
            "订阅已恢复，将从未送达的事件起重新推送。",
            "Subscription resumed from the event that could not be delivered.",
        ),
        "trader.subs_webhook_only": ("仅 Webhook", "webhook only"),
        "trader.subs_secret": ("签名密钥", "Signing secret"),
        "trader.subs_secret_hint": (
            "用于 HMAC-SHA256 签名，至少 16 个字符；留空则由平台生成并仅显示一次。",
            "For the HMAC-SHA256 signature, 16+ characters; leave empty and the platform "
            "generates one, shown only once.",
        ),
        "trader.subs_secret_once": (
            "请立即复制并妥善保存此 Webhook 签名密钥：它只显示这一次。",
            "Copy this webhook signing secret now and keep it safe: it is shown only once.",
        ),
        "trader.subs_types_hint": (
            "不选择则订阅全部事件。",
            "Choose none to receive every event.",
        ),
        "trader.delivery_webhook": ("Webhook 推送", "Webhook"),
        "trader.delivery_sse": ("SSE 事件流", "Server-Sent Events"),
        "trader.delivery_pull": ("主动拉取", "Pull"),
        "trader.delivery_webhook_hint": (
            "平台向贵司系统逐条 POST 已签名的事件",
            "the platform POSTs each signed event to your system",
        ),
        "trader.delivery_sse_hint": (
            "贵司系统保持连接，实时接收事件流",
            "your system keeps a connection open and receives events live",
        ),
        "trader.delivery_pull_hint": (
            "贵司系统按序号定期读取事件",
            "your system reads events by sequence number",
        ),
        "trader.event_declaration_all": ("报关单全部事件", "Every declaration event"),
        "trader.event_status_changed": ("报关单状态变化", "Declaration status changed"),
        "trader.event_decision": ("监管部门审核决定", "Agency decision"),
        "trader.event_released": ("放行", "Released"),
        "trader.event_inspection": ("查验通知（预约、结果、放行）", "Inspection notices"),
        "trader.event_transport": ("运输工具与舱单", "Transport and manifests"),
        "trader.subs_help_title": ("如何读取事件", "How to read the events"),
        "trader.subs_help_sse": (
            "SSE：使用 API 密钥连接事件流，每个事件的 id 即其序号：",
            "SSE: open the stream with your API key; each event's id is its sequence number:",
        ),
        "trader.subs_help_cursor": (
            "断线重连时，在 Last-Event-ID 请求头（或 ?after= 参数）中带上最后收到的序号，"
            "平台从其后继续推送，不丢失事件：",
            "To resume after a disconnect, send the last sequence you received in the "
            "Last-Event-ID header (or ?after=); the stream continues after it, nothing lost:",
        ),
        "trader.subs_help_replay": (
            "回放：按序号分页读取保留期内的历史事件（next_after 为下一页起点）：",
            "Replay: read past events in the retention window page by page (next_after "
            "starts the next page):",
        ),
        "trader.subs_help_webhook": (
            "Webhook 请求带有 HMAC-SHA256 签名，请用签名密钥验证后再处理；"
            "地址须在平台允许列表内。连续推送失败的订阅会暂停，可在上表中恢复。",
            "Webhook requests carry an HMAC-SHA256 signature: verify it with your secret. "
            "The URL must be on the platform's allow-list. A subscription that keeps "
            "failing is suspended; resume it in the table above.",
        ),
        # Mandates
        "trader.mandates_title": ("委托管理", "Mandates"),
        "trader.mandates_intro": (
            "本企业委托报关企业代为申报（代理报关委托），以及本企业收到的委托。",
            "Mandates your enterprise gave customs brokers to declare for it, and those it "
            "received.",
        ),
        "trader.mandates_granted": ("我方发出的委托", "Mandates we granted"),
        "trader.mandates_granted_empty": (
            "尚未委托任何报关企业。",
            "You have not mandated any customs broker.",
        ),
        "trader.mandates_received": ("我方收到的委托", "Mandates we received"),
        "trader.mandates_received_empty": (
            "没有其他企业委托本企业申报。",
            "No enterprise has mandated you to declare for it.",
        ),
        "trader.mandate_agent": ("受托报关企业（统一社会信用代码）", "Broker (USCC)"),
        "trader.mandate_grantor": ("委托企业（统一社会信用代码）", "Grantor (USCC)"),
        "trader.mandate_agent_hint": (
            "18 位统一社会信用代码，须为已登记的报关企业",
            "18-character unified social credit code of a registered customs broker",
        ),
        "trader.mandate_doc_types": ("委托的单证类型", "Document types"),
        "trader.mandate_districts": ("关区", "Customs districts"),
        "trader.mandate_districts_hint": (
            "直属海关关区代码，逗号分隔（如 5300）；留空为全部关区",
            "Head-office codes, comma-separated (e.g. 5300); empty for every district",
        ),
        "trader.mandate_all_districts": ("全部关区", "Every district"),
        "trader.mandate_valid": ("有效期", "Valid"),
        "trader.mandate_valid_from": ("生效日期", "Valid from"),
        "trader.mandate_valid_to": ("截止日期", "Valid to"),
        "trader.mandate_note": ("备注", "Note"),
        "trader.mandate_state_active": ("有效", "Active"),
        "trader.mandate_state_scheduled": ("未生效", "Scheduled"),
        "trader.mandate_state_expired": ("已过期", "Expired"),
        "trader.mandate_state_revoked": ("已撤销", "Revoked"),
        "trader.mandate_reason": ("原因", "Reason"),
        "trader.mandate_revoke": ("撤销", "Revoke"),
        "trader.mandate_decline": ("拒绝", "Decline"),
        "trader.mandate_revoke_confirm": (
            "撤销后受托企业将不能再代为申报，确定吗？",
            "The broker will no longer declare for you. Continue?",
        ),
        "trader.mandate_new": ("新建委托", "Grant a mandate"),
        "trader.mandate_grant": ("确认委托", "Grant mandate"),
        "trader.mandate_admin_only": (
            "只有申报单位管理员可以新建委托，请联系贵司管理员。",
            "Only your declarant administrator grants mandates; ask them.",
        ),
        "trader.mandate_done_granted": ("委托已生效。", "Mandate granted."),
        "trader.mandate_done_revoked": ("委托已撤销。", "Mandate revoked."),
    }
)
