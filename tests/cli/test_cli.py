"""The ``singlewindow`` CLI, in process with Typer's runner, against a temporary SQLite node."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from stdnum.cn import uscc
from typer.testing import CliRunner

from singlewindow.cli.main import app
from singlewindow.demo.harness import NodeProcess
from singlewindow.kit.settings import Settings
from singlewindow.standards.documents.samples import sample_goods_declaration

FIXTURE_XML = Path(__file__).parents[1] / "fixtures" / "decmessage" / "import_general.xml"


def valid_uscc(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    data = tmp_path / "var"
    return {
        "SW_DATA_DIR": str(data),
        "SW_DATABASE_URL": f"sqlite:///{data / 'cli.db'}",
        "COLUMNS": "200",  # Rich would otherwise wrap long lines in the captured output
    }


def invoke(env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(app, list(args), env=env)


def test_db_upgrade_party_and_key_create(env: dict[str, str]) -> None:
    r = invoke(env, "db", "upgrade")
    assert r.exit_code == 0, r.output
    assert "database at head" in r.output
    assert invoke(env, "db", "upgrade").exit_code == 0  # idempotent

    code = valid_uscc("91440300MA5CL7TE5")
    r = invoke(
        env,
        "party", "create",
        "--kind", "enterprise",
        "--uscc", code,
        "--customs-code", "4403960099",
        "--name-zh", "深圳命令行测试贸易有限公司",
        "--name-en", "Shenzhen CLI Test Trading Co., Ltd.",
        "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    party = json.loads(r.stdout)
    assert party["code"] == code
    assert party["kind"] == "enterprise"

    r = invoke(
        env,
        "party", "create",
        "--kind", "agency",
        "--agency-type", "customs",
        "--code", "CUS9900",
        "--name-zh", "测试海关",
        "--attrs", '{"customs_district": "9900"}',
        "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["kind"] == "agency"

    r = invoke(env, "key", "create", "--party", code, "--name", "erp", "--json")
    assert r.exit_code == 0, r.output
    key = json.loads(r.stdout)
    assert key["party"] == code
    assert key["token"].startswith("sw_")

    # The token authenticates against the API of a node on the same database.
    settings = Settings(
        data_dir=Path(env["SW_DATA_DIR"]),
        database_url=env["SW_DATABASE_URL"],
        run_workers=False,
        run_simulator=False,
    )
    from singlewindow.app import create_app

    with TestClient(create_app(settings)) as client:
        me = client.get("/api/v1/parties/me", headers={"Authorization": f"Bearer {key['token']}"})
        assert me.status_code == 200, me.text
        assert me.json()["code"] == code
        bad = client.get("/api/v1/parties/me", headers={"Authorization": "Bearer sw_nope_nope"})
        assert bad.status_code == 401

    # A key limited to one API area; an unknown area is refused naming the option, bilingual.
    r = invoke(env, "key", "create", "--party", code, "--scope", "exchange", "--json")
    assert r.exit_code == 0, r.output
    scoped = json.loads(r.stdout)["token"]
    with TestClient(create_app(settings)) as client:
        refused = client.get("/api/v1/declarations", headers={"Authorization": f"Bearer {scoped}"})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "scope_not_granted"
    r = invoke(env, "key", "create", "--party", code, "--scope", "everything")
    assert r.exit_code == 2
    assert "--scope" in r.output
    assert "未知的范围" in r.output


def test_party_create_with_a_bad_uscc_exits_2_bilingual(env: dict[str, str]) -> None:
    assert invoke(env, "db", "upgrade").exit_code == 0
    good = valid_uscc("91440300MA5CL7TE5")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # wrong check digit
    r = invoke(
        env,
        "party", "create",
        "--kind", "enterprise",
        "--uscc", bad,
        "--customs-code", "4403960099",
        "--name-zh", "错误代码公司",
    )  # fmt: skip
    assert r.exit_code == 2, r.output
    assert re.search(r"[A-Za-z]{4}", r.output)
    assert re.search(r"[\u4e00-\u9fff]", r.output), "the message must also be in Chinese"
    assert "uscc" in r.output.lower()
    r = invoke(env, "key", "create", "--party", bad)
    assert r.exit_code == 2, r.output
    assert re.search(r"[\u4e00-\u9fff]", r.output)


@pytest.fixture(scope="module")
def live_node() -> Iterator[NodeProcess]:
    """``singlewindow run`` in a child process on a free loopback port, no simulated agencies."""
    with NodeProcess(env={"SW_RUN_SIMULATOR": "false"}) as node:
        yield node


def _client_env(node: NodeProcess) -> dict[str, str]:
    return {"SW_URL": node.base_url, "SW_API_KEY": node.traders[0].token, "COLUMNS": "200"}


def test_submit_json_and_status(live_node: NodeProcess, tmp_path: Path) -> None:
    trader = live_node.traders[0]
    doc = sample_goods_declaration("I")
    doc["head"].update(
        trade_co_scc=trader.uscc,
        trade_code=trader.customs_code,
        trade_name=trader.name_zh,
        agent_code_scc=trader.uscc,
        agent_code=trader.customs_code,
        agent_name=trader.name_zh,
    )
    doc["licences"] = []
    path = tmp_path / "declaration.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, default=str), encoding="utf-8")
    env = _client_env(live_node)

    r = invoke(env, "submit", str(path), "--json")
    assert r.exit_code == 0, r.output
    receipt = json.loads(r.stdout)
    assert receipt["id"]
    assert receipt["unified_no"]
    assert receipt["status"] == "submitted"
    # Submitting the same file again answers the same declaration.
    again = json.loads(invoke(env, "submit", str(path), "--json").stdout)
    assert again["id"] == receipt["id"]

    r = invoke(env, "status", receipt["id"], "--json")
    assert r.exit_code == 0, r.output
    detail = json.loads(r.stdout)
    assert detail["id"] == receipt["id"]
    assert detail["unified_no"] == receipt["unified_no"]
    events = [e["event"] for e in detail["timeline"]]
    assert "submitted" in events
    assert {a["agency_code"] for a in detail["agencies"]} == {"CUS5300"}

    r = invoke(env, "status", receipt["id"])  # the human view
    assert r.exit_code == 0, r.output
    assert receipt["unified_no"] in r.output

    r = invoke(env, "status", "01890000-0000-7000-8000-000000000000")
    assert r.exit_code == 1
    assert "404" in r.output


def test_submit_decmessage_xml(live_node: NodeProcess, tmp_path: Path) -> None:
    trader = live_node.traders[0]
    xml = FIXTURE_XML.read_text(encoding="utf-8")
    xml, replaced = re.subn(
        r"<TradeCoScc>[^<]*</TradeCoScc>", f"<TradeCoScc>{trader.uscc}</TradeCoScc>", xml
    )
    assert replaced == 1
    path = tmp_path / "import_general.xml"
    path.write_text(xml, encoding="utf-8")
    r = invoke(_client_env(live_node), "submit", str(path), "--json")
    assert r.exit_code == 0, r.output
    receipt = json.loads(r.stdout)
    assert receipt["id"]
    assert receipt["unified_no"].startswith("I")
    r = invoke(_client_env(live_node), "status", receipt["id"], "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["timeline"][0]["event"] in {"created", "submitted"}


def test_submit_a_bad_file_exits_1_with_findings(live_node: NodeProcess, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"client_ref": "CLI-BAD-1", "head": {}, "lines": []}))
    r = invoke(_client_env(live_node), "submit", str(path))
    assert r.exit_code == 1
    assert "422" in r.output
    assert "/head/" in r.output  # the findings, with their JSON pointers
    assert re.search(r"[\u4e00-\u9fff]", r.output)
    r = invoke(_client_env(live_node), "submit", str(path), "--json")
    assert r.exit_code == 1
    assert json.loads(r.stdout)["error"]["findings"]
    garbage = tmp_path / "garbage.xml"
    garbage.write_text("<DecMessage")
    r = invoke(_client_env(live_node), "submit", str(garbage))
    assert r.exit_code == 1
    assert "malformed_xml" in r.output


@pytest.mark.slow
def test_demo_json() -> None:
    r = CliRunner().invoke(app, ["demo", "--json", "--count", "8"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout)
    assert result["ok"] is True
    assert result["lost"] == 0
    assert result["duplicates"] == 0
    # Issue 5's end-to-end scenario: two agencies, one joint inspection, one release notice,
    # gate-out; the trader's subscription (CloudEvents over SSE) gets every step in order.
    inspection = result["inspection"]
    assert all(inspection["checks"].values())
    assert len(inspection["checks"]) == 9
    assert inspection["subscribed_steps"] == inspection["steps"]
    assert inspection["steps"][0] == "opened"
    assert inspection["steps"][-1] == "closed"
    assert inspection["release_no"].startswith("RL")


SIM_ENV = {"SW_SIM_REJECTION_RATE": "0", "SW_SIM_INSPECTION_RATE": "0", "SW_SIM_SEED": "1"}


def _submit_until_released(node: NodeProcess, timeout: float = 60) -> str:
    """Submits one declaration (no licence) and returns its status once released, or the
    last status seen when ``timeout`` runs out."""
    import time

    import httpx

    from singlewindow.demo.scenario import demo_document

    trader = node.traders[0]
    headers = {"Authorization": f"Bearer {trader.token}"}
    doc = demo_document(trader, 1, lines=2)
    doc["licences"] = []
    r = httpx.post(f"{node.base_url}/api/v1/declarations", json=doc, headers=headers)
    assert r.status_code == 202, r.text
    url = f"{node.base_url}/api/v1/declarations/{r.json()['id']}"
    deadline = time.monotonic() + timeout
    status = ""
    while time.monotonic() < deadline and status != "released":
        status = httpx.get(url, headers=headers).json()["status"]
        time.sleep(0.3)
    return status


def test_run_with_several_api_processes_serves_end_to_end(tmp_path: Path) -> None:
    """``run --processes 2``: two API processes, an exchange-worker process and the simulated
    agencies (their own process) take a declaration all the way to released."""

    with NodeProcess(env=SIM_ENV, data_dir=tmp_path, separate_simulator=True, processes=2) as node:
        assert _submit_until_released(node) == "released"


def test_run_with_a_worker_process_serves_and_its_children_stop_with_it(tmp_path: Path) -> None:
    """``run --worker-process``: one API process without background work beside an
    exchange-worker process (on SQLite, woken across processes by datagrams) takes a
    declaration to released. When ``run`` dies, even by SIGKILL, its worker stops too."""

    import psutil

    node = NodeProcess(env=SIM_ENV, data_dir=tmp_path, separate_simulator=True, worker_process=True)
    with node:
        assert node.process is not None
        children = psutil.Process(node.process.pid).children()
        assert [" ".join(c.cmdline()[-1:]) for c in children] == ["worker"]
        assert _submit_until_released(node) == "released"
        node.process.kill()  # no clean-up in ``run`` itself
        node.process.wait(10)
        _gone, alive = psutil.wait_procs(children, timeout=15)
        assert not alive


def test_a_bad_setting_is_one_clear_line_per_variable_and_exit_2(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "SW_DATA_DIR": str(tmp_path),
        "SW_SQLITE_CACHE_KIB": "0",
        "SW_MAX_LINES": "many",
    }
    done = subprocess.run(
        [sys.executable, "-m", "singlewindow", "codes", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert any(
        line.startswith("configuration error / 配置错误: SW_SQLITE_CACHE_KIB: ") for line in lines
    )
    assert any(line.startswith("configuration error / 配置错误: SW_MAX_LINES: ") for line in lines)
    assert not (tmp_path / "singlewindow.db").exists()  # nothing was started or written
