from fastapi.testclient import TestClient
from tests.api.conftest import api_node  # noqa
from singlewindow.standards.documents.samples import sample_goods_declaration
from singlewindow.demo.seed import TRADERS

def test_probe(api_node):
    c = TestClient(api_node.app, raise_server_exceptions=False)
    k = api_node.known
    t = api_node.auth("trader"); op = api_node.auth("operator")
    body = {"name": "probe", "kind": "goods_declaration", "priority": 5,
            "condition": {"op": "eq", "path": "/lines/\u00b2/code_ts", "value": "1"},
            "recipient": {"resolver": "party", "code": "CUS5300"}, "projection": ["/lines/\u00b2/g_no"]}
    r = c.post("/api/v1/exchange/rules", headers=op, json=body)
    print("R rule", r.status_code, r.text[:300])
    d = sample_goods_declaration("I")
    uscc, cc, zh, en = TRADERS[0]
    d["head"].update(trade_co_scc=uscc, trade_code=cc, trade_name=zh, agent_code_scc=uscc, agent_code=cc, agent_name=zh)
    d["licences"] = []
    r = c.post("/api/v1/declarations", headers=t, json=d)
    print("R submit", r.status_code, r.text[:300])
    for q, h in [(f"cursor={2**70}", {}), ("", {"Last-Event-ID": str(2**70)}), ("", {"Last-Event-ID": b"\xb2"})]:
        r = c.get("/api/v1/exchange/events?timeout=1&" + q, headers={**t, **h})
        print("R events", r.status_code, r.text[:200])
    for exp in ["2030-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "2030-01-01T00:00:00+08:00"]:
        r = c.post(f"/api/v1/parties/{k['code']}/keys", headers=op, json={"name": "n", "expires_at": exp})
        print("R key", r.status_code, r.text[:300])
    for url in ["http://[::1", "http://a:99999/x"]:
        r = c.put(f"/api/v1/exchange/channels/{k['recipient']}", headers=op, json={"kind": "webhook", "url": url, "secret": "x" * 20})
        print("R chan", r.status_code, r.text[:300])
