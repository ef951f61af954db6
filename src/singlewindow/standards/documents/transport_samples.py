"""Realistic, valid transport documents for the demo, tests and benchmarks.

One function per document type; keyword arguments override the keys other code relies
on (IMO, voyage, customs office, bill and container numbers, crew/passenger counts).
Codes are real: customs office 5316 (大鹏, Yantian port, served by port operator
PORT-YICT), UN/LOCODE CNYTN, IMO 9074729. Times are relative to today (China time) so that
actual times are never in the future and estimated arrivals are. Container numbers carry
valid ISO 6346 check digits (``container_number``); persons carry valid ICAO 9303 MRZs.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from stdnum import iso6346
from stdnum.cn import uscc

from singlewindow.kit.clock import CHINA_TZ, today_china
from singlewindow.standards.rules.mrz import check_digit

IMO = "9074729"
VESSEL_NAME = "COSCO SHIPPING ARIES"
CUSTOMS_OFFICE = "5316"
PORT = "CNYTN"
CARRIER_CODE = "COSCO"
BILL_NOS = ("COSU6312345670", "COSU6312345680")


def container_number(owner_serial: str) -> str:
    """``owner_serial`` (4 letters + 6 digits) with its ISO 6346 check digit."""
    return owner_serial + iso6346.calc_check_digit(owner_serial)


def _uscc(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


AGENT_USCC = _uscc("91440300MA5F00001")
CONTAINERS = (container_number("MSKU123456"), container_number("TGHU987654"))


def new_client_ref(prefix: str = "TR") -> str:
    """A fresh, unique client reference."""
    return f"{prefix}{uuid.uuid4().hex[:24].upper()}"


def at(day: date, hour: int, minute: int = 0) -> str:
    """An ISO 8601 date-time in China time, with its offset."""
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA_TZ).isoformat()


def _mrz_td3(
    doc_type: str, state: str, family: str, given: str, number: str, nationality: str,
    birth: date, sex: str, expiry: date,
) -> str:  # fmt: skip
    """A TD3 (passport) MRZ with correct check digits."""
    name = f"{family}<<{given.replace(' ', '<')}".upper()
    one = f"{doc_type:<<2}{state}{name}"[:44].ljust(44, "<")
    num = number.ljust(9, "<")
    born, expires = birth.strftime("%y%m%d"), expiry.strftime("%y%m%d")
    optional = "<" * 14
    two = (
        f"{num}{check_digit(num)}{nationality}{born}{check_digit(born)}{sex}"
        f"{expires}{check_digit(expires)}{optional}<"
    )
    composite = two[0:10] + two[13:20] + two[21:43]
    return f"{one}\n{two}{check_digit(composite)}"


_PEOPLE = (
    ("ZHANG", "WEI", "CHN", "M", date(1980, 1, 15)),
    ("SANTOS", "MARIA", "PHL", "F", date(1990, 6, 2)),
    ("NGUYEN", "VAN AN", "VNM", "M", date(1985, 11, 30)),
    ("KIM", "MINJUN", "KOR", "M", date(1978, 3, 9)),
)
_RANKS = ("MASTER", "CHIEF OFFICER", "CHIEF ENGINEER", "ABLE SEAMAN", "COOK")


def person(number: int, *, crew: bool, port: str = PORT) -> dict[str, Any]:
    """Person ``number`` (1-based): crew (with rank, seafarer's document) or a passenger."""
    family, given, nationality, sex, birth = _PEOPLE[(number - 1) % len(_PEOPLE)]
    doc_type = "S" if crew else "P"
    doc_no = f"{'S' if crew else 'E'}{number:08d}"
    expiry = today_china().replace(month=1, day=1) + timedelta(days=366 * 5)
    out: dict[str, Any] = {
        "seq": number,
        "family_name": family,
        "given_names": given,
        "nationality": nationality,
        "birth_date": birth.isoformat(),
        "gender": sex,
        "doc_type": doc_type,
        "doc_no": doc_no,
        "doc_country": nationality,
        "doc_expiry": expiry.isoformat(),
    }
    if crew:
        out["rank"] = _RANKS[(number - 1) % len(_RANKS)]
    else:
        out |= {"embark_port": "HKHKG", "disembark_port": port, "transit": "N"}
    if number == 1:
        out["mrz"] = _mrz_td3(
            "P", nationality, family, given, doc_no, nationality, birth, sex, expiry
        )
    return out


def dangerous_goods_rows(bill_nos: Sequence[str] = BILL_NOS[:1]) -> list[dict[str, Any]]:
    """Two dangerous goods entries: paint (class 3, with flash point) and an environmentally
    hazardous liquid (class 9, marine pollutant)."""
    bill = bill_nos[0] if bill_nos else BILL_NOS[0]
    return [
        {
            "seq": 1, "bill_no": bill, "un_number": "1263", "proper_shipping_name": "PAINT",
            "imdg_class": "3", "packing_group": "III", "flash_point_c": "23", "ems": "F-E,S-E",
            "marine_pollutant": "N", "packages": 40, "package_type": "22",
            "gross_mass_kg": "820", "net_mass_kg": "760", "container_no": CONTAINERS[0],
            "stowage_position": "140382",
        },
        {
            "seq": 2, "bill_no": bill, "un_number": "3082",
            "proper_shipping_name": "ENVIRONMENTALLY HAZARDOUS SUBSTANCE, LIQUID, N.O.S.",
            "imdg_class": "9", "packing_group": "III", "ems": "F-A,S-F",
            "marine_pollutant": "Y", "packages": 10, "package_type": "22",
            "gross_mass_kg": "250.5", "net_mass_kg": "200", "container_no": CONTAINERS[0],
            "stowage_position": "140382",
        },
    ]  # fmt: skip


def cargo_rows(bill_nos: Sequence[str], loading: str, discharge: str) -> list[dict[str, Any]]:
    return [
        {
            "bill_no": bill,
            "packages": 100 * (index + 1),
            "package_type": "22",
            "gross_weight_kg": f"{2500 * (index + 1)}.50",
            "description": "ELECTRONIC PARTS",
            "loading_port": loading,
            "discharge_port": discharge,
            "containers": 1,
        }
        for index, bill in enumerate(bill_nos)
    ]


def _people(count: int, *, crew: bool, port: str = PORT) -> list[dict[str, Any]]:
    return [person(n, crew=crew, port=port) for n in range(1, count + 1)]


def sample_ship_report(
    message_type: str = "CSM002",
    *,
    imo: str = IMO,
    voyage_in: str = "001E",
    voyage_out: str = "001W",
    customs_office: str = CUSTOMS_OFFICE,
    port_of_call: str = PORT,
    crew: int = 2,
    passengers: int = 0,
    bill_nos: Sequence[str] = BILL_NOS,
    dangerous_goods: bool = False,
    client_ref: str | None = None,
) -> dict[str, Any]:
    """A valid ship report of ``message_type`` (CSM001-CSM007) at Yantian.

    Timeline: arrival yesterday (eta 06:00, ata 08:00) for CSM004-CSM007, in two days for
    CSM002/CSM003; departure (etd) in three days, atd (CSM007 only) today 00:00. ``crew``
    and ``passengers`` are list lengths and counts; 0 leaves the list out.
    """
    today = today_china()
    doc: dict[str, Any] = {
        "client_ref": client_ref or new_client_ref("SR"),
        "message_type": message_type,
        "vessel": {
            "imo": imo, "name_en": VESSEL_NAME, "name_cn": "中远海运白羊座",
            "call_sign": "VRUX7", "mmsi": "477123400", "flag": "HKG",
            "ship_type": "CONTAINER SHIP", "gross_tonnage": "141823", "net_tonnage": "58900",
            "registry_port": "HONG KONG", "owner_name": "COSCO SHIPPING LINES CO., LTD.",
        },
        "voyage": {"customs_office": customs_office},
    }  # fmt: skip
    if message_type == "CSM001":
        return doc
    arriving = message_type in ("CSM002", "CSM003")
    arrival_day = today + timedelta(days=2) if arriving else today - timedelta(days=1)
    voyage: dict[str, Any] = {
        "voyage_in": voyage_in, "voyage_out": voyage_out, "port_of_call": port_of_call,
        "customs_office": customs_office, "berth_code": "YT05", "last_port": "HKHKG",
        "next_port": "SGSIN", "eta": at(arrival_day, 6), "etd": at(today + timedelta(3), 18),
        "purpose": "cargo", "agent_scc": AGENT_USCC, "agent_name": "深圳外轮代理有限公司",
        "master_name": "LI MING", "crew_count": crew, "passenger_count": passengers,
        "declaration_date": today.isoformat(),
    }  # fmt: skip
    if not arriving:
        voyage["ata"] = at(arrival_day, 8)
    if message_type == "CSM007":
        voyage["atd"] = at(today, 0)
    doc["voyage"] = voyage
    doc["cargo"] = cargo_rows(bill_nos, "HKHKG", port_of_call)
    if crew:
        doc["crew"] = _people(crew, crew=True, port=port_of_call)
    if passengers:
        doc["passengers"] = _people(passengers, crew=False, port=port_of_call)
    if dangerous_goods:
        doc["dangerous_goods"] = dangerous_goods_rows(bill_nos)
    if message_type == "CSM005":
        doc["movements"] = [
            {"seq": 1, "at": at(arrival_day, 9), "from_berth": "ANCH1", "to_berth": "YT05",
             "kind": "berth"},
        ]  # fmt: skip
    return doc


_EXPORT_MANIFESTS = ("MT2101", "MT3101", "MT4101", "MT5102", "MT2201", "MT3201", "MT4201",
                     "MT5202")  # fmt: skip


def sample_manifest(
    message_type: str = "MT1101",
    *,
    bill_nos: Sequence[str] = BILL_NOS,
    containers: Sequence[str] | None = None,
    imo: str = IMO,
    journey_id: str | None = None,
    customs_office: str = CUSTOMS_OFFICE,
    function: str = "9",
    items: bool = True,
    means_id: str | None = None,
    client_ref: str | None = None,
) -> dict[str, Any]:
    """A valid manifest message. Sea (MT?1??) by default with IMO ``imo``; air (MT?2??) with
    aircraft B-1234 and flight CZ3101. ``containers`` are assigned to the bills in turn
    (default: one per bill); ``journey_id`` defaults to voyage 001E (import) or 001W
    (export). ``function`` 3 (delete) gives bill numbers only."""
    air = message_type[3] == "2"
    export = message_type in _EXPORT_MANIFESTS
    if journey_id is None:
        journey_id = "CZ3101" if air else ("001W" if export else "001E")
    if containers is None:
        containers = [container_number(f"MSKU{700000 + n:06d}") for n in range(len(bill_nos))]
    domestic, foreign = ("CNCAN", "HKHKG") if air else (PORT, "HKHKG")
    loading, unloading = (domestic, foreign) if export else (foreign, domestic)
    head: dict[str, Any] = {
        "customs_office": "5141" if air and customs_office == CUSTOMS_OFFICE else customs_office,
        "carrier_code": "CSN" if air else CARRIER_CODE,
        "agent_code": "440316000001",
        "mode": "5" if air else "2",
        "means_id": means_id or ("B-1234" if air else imo),
        "means_name": "CHINA SOUTHERN" if air else VESSEL_NAME,
        "journey_id": journey_id,
        "loading_port": loading,
        "unloading_port": unloading,
        "function": function,
    }
    if message_type in ("MT3101", "MT3201"):
        head["terminal_code"] = "CNCAN5141001" if air else "CNYTN531601"
    if function in ("5", "3"):
        head["change_reason"] = "amended by the carrier"
    doc: dict[str, Any] = {
        "client_ref": client_ref or new_client_ref("MF"),
        "message_type": message_type,
        "head": head,
    }
    if function == "3":
        doc["consignments"] = [{"bill_no": bill} for bill in bill_nos]
        return doc
    consignments: list[dict[str, Any]] = []
    for index, bill in enumerate(bill_nos):
        packages = 100 * (index + 1)
        consignments.append(
            {
                "bill_no": bill, "packages": packages, "package_type": "22",
                "gross_weight_kg": f"{2500 * (index + 1)}.50", "volume_m3": "33.2",
                "loading_port": loading, "unloading_port": unloading,
                "consignor_name": "KOBE ELECTRONICS TRADING CO., LTD.",
                "consignor_country": "HKG" if not export else "CHN",
                "consignee_id": f"USCI+{AGENT_USCC}",
                "consignee_name": "深圳市前海示例科技有限公司",
                "consignee_country": "CHN" if not export else "HKG",
                "freight_payment": "PP",
            }
        )  # fmt: skip
    doc["consignments"] = consignments
    doc["containers"] = [
        {"bill_no": bill_nos[index % len(bill_nos)], "container_no": number,
         "size_type": "22G1", "fullness": "5", "seals": f"SL{index + 1:06d}"}
        for index, number in enumerate(containers)
    ]  # fmt: skip
    if items:
        rows = []
        for index, bill in enumerate(bill_nos):
            total = int(consignments[index]["packages"])
            half = total // 2
            for seq, share in enumerate((half, total - half), start=1):
                rows.append(
                    {"bill_no": bill, "seq": seq, "packages": share, "package_type": "22",
                     "description": "ELECTRONIC PARTS", "hs_code": "8542",
                     "gross_weight_kg": "1000"}
                )  # fmt: skip
        doc["items"] = rows
    return doc


def sample_aircraft_report(
    message_type: str = "pre_arrival",
    *,
    flight_no: str = "CZ3101",
    flight_date: date | None = None,
    registration: str = "B-1234",
    airport: str = "CNCAN",
    customs_office: str = "5141",
    crew: int = 2,
    passengers: int = 0,
    bill_nos: Sequence[str] = ("784-12345675",),
    client_ref: str | None = None,
) -> dict[str, Any]:
    """A valid aircraft report at Guangzhou Baiyun (customs 5141) from Hong Kong."""
    today = today_china()
    flight_date = flight_date or (today + timedelta(days=1) if "pre" in message_type else today)
    flight: dict[str, Any] = {
        "flight_no": flight_no, "flight_date": flight_date.isoformat(),
        "registration": registration, "aircraft_type": "A333", "operator_code": "CZ",
        "origin": "HKHKG", "destination": airport, "airport": airport,
        "customs_office": customs_office, "crew_count": crew, "passenger_count": passengers,
    }  # fmt: skip
    if message_type == "pre_arrival":
        flight["sta"] = at(flight_date, 10)
    elif message_type == "pre_departure":
        flight["std"] = at(flight_date, 14)
    elif message_type == "arrival":
        flight["ata"] = at(today, 0, 5)
    elif message_type == "departure":
        flight["atd"] = at(today, 0, 10)
    doc: dict[str, Any] = {
        "client_ref": client_ref or new_client_ref("AR"),
        "message_type": message_type,
        "flight": flight,
        "cargo": cargo_rows(bill_nos, "HKHKG", airport),
    }
    if crew:
        doc["crew"] = _people(crew, crew=True, port=airport)
    if passengers:
        doc["passengers"] = _people(passengers, crew=False, port=airport)
    return doc


def sample_vehicle_report(
    message_type: str = "pre_arrival",
    *,
    plate_cn: str | None = "粤Z1234港",
    plate_hk: str | None = "AB1234",
    trip_no: str = "T20260001",
    crossing: str = "5301",
    port: str = "CNHUG",
    direction: str = "I",
    containers: Sequence[str] = CONTAINERS[:1],
    bill_nos: Sequence[str] = ("HK2026000123",),
    client_ref: str | None = None,
) -> dict[str, Any]:
    """A valid cross-border truck report at Huanggang (customs 5301) from Hong Kong."""
    today = today_china()
    vehicle: dict[str, Any] = {
        "trip_no": trip_no, "crossing": crossing, "port": port, "direction": direction,
        "vehicle_type": "TRACTOR", "driver_name": "CHAN TAI MAN", "driver_doc_no": "H12345678",
        "driver_doc_type": "O", "empty": "N" if containers else "Y",
        "gross_weight_kg": "28500",
    }  # fmt: skip
    if plate_cn:
        vehicle["plate_cn"] = plate_cn
    if plate_hk:
        vehicle["plate_hk"] = plate_hk
    if containers:
        vehicle["containers"] = " ".join(containers)
        vehicle["seals"] = " ".join(f"HK{n:06d}" for n in range(1, len(containers) + 1))
    if message_type.startswith("pre_"):
        vehicle["eta"] = at(today + timedelta(days=1), 9)
    else:
        vehicle["ata"] = at(today, 0, 30)
    return {
        "client_ref": client_ref or new_client_ref("VR"),
        "message_type": message_type,
        "vehicle": vehicle,
        "cargo": cargo_rows(bill_nos, "HKHKG", port),
    }


def sample_train_report(
    message_type: str = "pre_arrival",
    *,
    train_no: str = "X8001",
    run_date: date | None = None,
    crossing: str = "5300",
    port: str = "CNSZZ",
    direction: str = "I",
    wagons: int = 2,
    crew: int = 2,
    bill_nos: Sequence[str] = ("RW2026000456",),
    client_ref: str | None = None,
) -> dict[str, Any]:
    """A valid rail crossing report at Shenzhen (customs 5300)."""
    today = today_china()
    run_date = run_date or today
    train: dict[str, Any] = {
        "train_no": train_no, "run_date": run_date.isoformat(), "crossing": crossing,
        "port": port, "direction": direction, "wagons": wagons, "crew_count": crew,
    }  # fmt: skip
    times = {
        "pre_arrival": ("eta", at(today + timedelta(days=1), 6)),
        "arrival": ("ata", at(today, 0, 15)),
        "pre_departure": ("etd", at(today + timedelta(days=1), 22)),
        "departure": ("atd", at(today, 0, 20)),
    }
    if message_type in times:
        key, value = times[message_type]
        train[key] = value
    doc: dict[str, Any] = {
        "client_ref": client_ref or new_client_ref("TR"),
        "message_type": message_type,
        "train": train,
        "cargo": cargo_rows(bill_nos, "HKHKG", port),
    }
    if wagons:
        doc["wagons"] = [
            {"seq": n, "wagon_no": f"W{n:06d}",
             "container_no": container_number(f"TGHU{500000 + n:06d}"),
             "seal_no": f"RS{n:06d}", "gross_weight_kg": "24000"}
            for n in range(1, wagons + 1)
        ]  # fmt: skip
    if crew:
        doc["crew"] = _people(crew, crew=True, port=port)
    return doc


def _call(
    mode: str, means_id: str, journey_id: str, port: str, customs_office: str, direction: str,
    crew: int | None = None, passengers: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    call: dict[str, Any] = {
        "mode": mode, "means_id": means_id, "journey_id": journey_id, "port": port,
        "customs_office": customs_office, "direction": direction,
    }  # fmt: skip
    if crew is not None:
        call["crew_count"] = crew
    if passengers is not None:
        call["passenger_count"] = passengers
    return call


def sample_person_list(
    message_type: str = "both",
    *,
    mode: str = "sea",
    means_id: str = IMO,
    journey_id: str = "001E",
    port: str = PORT,
    customs_office: str = CUSTOMS_OFFICE,
    direction: str = "I",
    crew: int = 2,
    passengers: int = 1,
    client_ref: str | None = None,
) -> dict[str, Any]:
    """A valid crew and/or passenger list (``crew``, ``passengers``, ``both``)."""
    crew = crew if message_type in ("crew", "both") else 0
    passengers = passengers if message_type in ("passengers", "both") else 0
    doc: dict[str, Any] = {
        "client_ref": client_ref or new_client_ref("PL"),
        "message_type": message_type,
        "call": _call(
            mode, means_id, journey_id, port, customs_office, direction,
            crew if message_type != "passengers" else None,
            passengers if message_type != "crew" else None,
        ),
    }  # fmt: skip
    if crew:
        doc["crew"] = _people(crew, crew=True, port=port)
    if passengers:
        doc["passengers"] = _people(passengers, crew=False, port=port)
    return doc


def sample_dangerous_goods(
    *,
    mode: str = "sea",
    means_id: str = IMO,
    journey_id: str = "001E",
    port: str = PORT,
    customs_office: str = CUSTOMS_OFFICE,
    direction: str = "I",
    bill_nos: Sequence[str] = BILL_NOS[:1],
    client_ref: str | None = None,
) -> dict[str, Any]:
    """A valid dangerous goods declaration: paint (class 3) and a class 9 marine pollutant."""
    return {
        "client_ref": client_ref or new_client_ref("DG"),
        "message_type": "DG",
        "call": _call(mode, means_id, journey_id, port, customs_office, direction),
        "dangerous_goods": dangerous_goods_rows(bill_nos),
    }


SAMPLES = {
    "ship_report": sample_ship_report,
    "aircraft_report": sample_aircraft_report,
    "vehicle_report": sample_vehicle_report,
    "train_report": sample_train_report,
    "manifest": sample_manifest,
    "person_list": sample_person_list,
    "dangerous_goods": sample_dangerous_goods,
}
