"""``aircraft_report``, ``vehicle_report`` and ``train_report``: the other transport means.

All three use the four stages ``pre_arrival``, ``arrival``, ``pre_departure``,
``departure``. The time a stage needs: the scheduled/estimated time for a ``pre_*`` report,
the actual time for the confirmed one (a road vehicle has only the times at the crossing).
"""

from __future__ import annotations

from singlewindow.standards.documents.fields import choice, day, text
from singlewindow.standards.documents.model import ALWAYS, BlockDef, Condition, DocumentType
from singlewindow.standards.documents.transport.common import (
    CARGO,
    CREW,
    DANGEROUS_GOODS,
    DIRECTION,
    DOC_TYPE,
    PASSENGERS,
    STAGES,
    YES_NO,
    container_no,
    count,
    customs_office,
    moment,
    port,
    root_fields,
    seq,
    weight,
)

PRE_ARRIVAL = "pre_arrival_report"
ARRIVAL = "arrival_report"
PRE_DEPARTURE = "pre_departure_report"
DEPARTURE = "departure_report"
PRE_STAGE = "pre_stage_report"
CONFIRMED_STAGE = "confirmed_stage_report"

STAGE_CONDITIONS = (
    Condition(PRE_ARRIVAL, "message_type", "required for a pre-arrival report",
              "抵港预报必填", values=("pre_arrival",)),
    Condition(ARRIVAL, "message_type", "required for an arrival report", "抵港确报必填",
              values=("arrival",)),
    Condition(PRE_DEPARTURE, "message_type", "required for a pre-departure report",
              "离港预报必填", values=("pre_departure",)),
    Condition(DEPARTURE, "message_type", "required for a departure report", "离港确报必填",
              values=("departure",)),
)  # fmt: skip

FLIGHT = BlockDef(
    "flight", "航班", "Flight", "", (
        *root_fields(STAGES, "航空器申报", "Aircraft report"),
        text("flight_no", "", "航班号", "Flight number", 8, min_length=3,
             pattern=r"^[A-Z0-9]{2}[A-Z]?\d{1,4}[A-Z]?$", required=ALWAYS,
             description="IATA or ICAO airline designator + 1-4 digits, e.g. CZ3101"),
        day("flight_date", "", "航班日期", "Flight date", required=ALWAYS),
        text("registration", "", "航空器注册号", "Aircraft registration", 10,
             pattern=r"^[A-Z0-9]{1,3}-?[A-Z0-9]{1,6}$", required=ALWAYS,
             description="Nationality and registration marks, e.g. B-1234"),
        text("aircraft_type", "", "机型", "Aircraft type", 10),
        text("operator_code", "", "承运人代码", "Operator (airline) code", 3,
             pattern=r"^[A-Z0-9]{2,3}$"),
        port("origin", "始发站", "Origin airport"),
        port("destination", "目的站", "Destination airport"),
        port("airport", "申报机场", "Airport (Guangdong)", required=ALWAYS),
        customs_office("customs_office", "申报海关", "Customs office", required=ALWAYS),
        moment("sta", "计划抵达时间", "Scheduled time of arrival", required=PRE_ARRIVAL),
        moment("std", "计划起飞时间", "Scheduled time of departure", required=PRE_DEPARTURE),
        moment("ata", "实际抵达时间", "Actual time of arrival", required=ARRIVAL),
        moment("atd", "实际起飞时间", "Actual time of departure", required=DEPARTURE),
        count("crew_count", "机组人数", "Number of crew"),
        count("passenger_count", "旅客人数", "Number of passengers"),
    ), min_occurs=1, description="Call key (air, registration, flight_no + flight_date).",
)  # fmt: skip

AIRCRAFT_REPORT = DocumentType(
    type="aircraft_report",
    version="1.0",
    title_en="Aircraft report",
    title_zh="航空器申报",
    blocks=(FLIGHT, CARGO, CREW, PASSENGERS, DANGEROUS_GOODS),
    conditions=STAGE_CONDITIONS,
    description="Aircraft arrival/departure by the airline or handling agent; cargo rows "
    "carry air waybill numbers in bill_no.",
)

VEHICLE = BlockDef(
    "vehicle", "车辆", "Vehicle", "", (
        *root_fields(STAGES, "车辆申报", "Vehicle report"),
        text("plate_cn", "", "内地车牌", "Mainland plate", 12),
        text("plate_hk", "", "香港车牌", "Hong Kong plate", 10),
        text("plate_mo", "", "澳门车牌", "Macao plate", 10),
        text("vehicle_type", "", "车辆类型", "Vehicle type", 20),
        text("trip_no", "", "车次号", "Trip number", 32, required=ALWAYS),
        customs_office("crossing", "口岸海关", "Customs office of the land port",
                       required=ALWAYS),
        port("port", "口岸", "Land port"),
        choice("direction", "", "进出境方向", "Direction", DIRECTION, required=ALWAYS),
        moment("eta", "预计抵达口岸时间", "Expected time at the crossing", required=PRE_STAGE),
        moment("ata", "实际抵达口岸时间", "Actual time at the crossing",
               required=CONFIRMED_STAGE),
        text("driver_name", "", "司机姓名", "Driver name", 70),
        text("driver_doc_no", "", "司机证件号码", "Driver document number", 20),
        choice("driver_doc_type", "", "司机证件类型", "Driver document type", DOC_TYPE),
        text("driver_mrz", "", "司机证件机读区", "Driver document MRZ", 92, min_length=61,
             check="mrz", description="ICAO 9303 MRZ lines joined by \\n"),
        text("seals", "", "封志号", "Seal numbers", 255,
             pattern=r"^\S+( \S+)*$", description="Space-separated"),
        text("containers", "", "集装箱号", "Container numbers", 255,
             pattern=r"^[A-Z]{4}\d{7}( [A-Z]{4}\d{7})*$",
             description="Space-separated ISO 6346 numbers, each check digit verified"),
        choice("empty", "", "空车", "Empty vehicle", YES_NO),
        weight("gross_weight_kg", "毛重(千克)", "Gross weight (kg)"),
    ), min_occurs=1, description="At least one of plate_cn, plate_hk, plate_mo. Call key "
    "(road, plate, trip_no).",
)  # fmt: skip

VEHICLE_REPORT = DocumentType(
    type="vehicle_report",
    version="1.0",
    title_en="Vehicle report",
    title_zh="车辆申报",
    blocks=(VEHICLE, CARGO),
    conditions=(
        Condition(PRE_STAGE, "message_type", "required for a pre-arrival or pre-departure "
                  "report", "预报必填", values=("pre_arrival", "pre_departure")),
        Condition(CONFIRMED_STAGE, "message_type", "required for an arrival or departure "
                  "report", "确报必填", values=("arrival", "departure")),
    ),
    description="Road vehicle crossing, including Hong Kong / Macao cross-border trucks.",
)  # fmt: skip

TRAIN = BlockDef(
    "train", "列车", "Train", "", (
        *root_fields(STAGES, "列车申报", "Train report"),
        text("train_no", "", "车次", "Train number", 20, required=ALWAYS),
        day("run_date", "", "开行日期", "Run date", required=ALWAYS),
        customs_office("crossing", "口岸海关", "Customs office of the rail port",
                       required=ALWAYS),
        port("port", "口岸", "Rail port"),
        choice("direction", "", "进出境方向", "Direction", DIRECTION, required=ALWAYS),
        moment("eta", "预计抵达时间", "Estimated time of arrival", required=PRE_ARRIVAL),
        moment("ata", "实际抵达时间", "Actual time of arrival", required=ARRIVAL),
        moment("etd", "预计出发时间", "Estimated time of departure", required=PRE_DEPARTURE),
        moment("atd", "实际出发时间", "Actual time of departure", required=DEPARTURE),
        count("wagons", "车厢数", "Number of wagons"),
        count("crew_count", "乘务人数", "Number of crew"),
    ), min_occurs=1, description="Call key (rail, train_no, run_date).",
)  # fmt: skip

WAGONS = BlockDef(
    "wagons", "车厢", "Wagons", "", (
        seq(),
        text("wagon_no", "", "车厢号", "Wagon number", 20, required=ALWAYS),
        container_no("container_no", "集装箱号", "Container number"),
        text("seal_no", "", "封志号", "Seal number", 35),
        weight("gross_weight_kg", "毛重(千克)", "Gross weight (kg)"),
    ), repeated=True, max_occurs=None,
)  # fmt: skip

TRAIN_REPORT = DocumentType(
    type="train_report",
    version="1.0",
    title_en="Train report",
    title_zh="列车申报",
    blocks=(TRAIN, CARGO, WAGONS, CREW),
    conditions=STAGE_CONDITIONS,
    description="Rail crossing by the rail operator.",
)

__all__ = ["AIRCRAFT_REPORT", "TRAIN_REPORT", "VEHICLE_REPORT"]
