"""CUSCAR (customs cargo report, UN/EDIFACT D.95B) <-> the ``manifest`` document.

D.95B is the directory of the China port EDI generation of messages (BAPLIE, COARRI,
CODECO) and of the WCO customs message guidelines of that time; one directory for every
message we read keeps segment layouts consistent. Layout (our implementation guide;
full table in README.md):

    UNH+1+CUSCAR:D:95B:UN'
    BGM+785:::{message_type}+{client_ref}+{function}'      function: 9 2 5 3 (1225)
    DTM+132:{arrival_date}:304'  DTM+133:{departure_date}:304'
    LOC+22+{customs_office}'  LOC+9+{loading_port}:139:6'
    LOC+11+{unloading_port}:139:6+{terminal_code}'  LOC+24+{first_arrival_port}:139:6'
    TDT+20+{journey_id}+{mode: Rec 19}++{carrier_code}+++{IMO}:146:11:{means_name}'
    NAD+AG+{agent_code}'  CTA+IC+:{representative}'  FTX+ACD+++{change_reason}'
    EQD+CN+{container_no}+{size_type}+++{fullness}'  RFF+BM:{bill_no}'  SEL+{seal}'
    CNI+{n}'  RFF+BM:{bill_no}'  RFF+BH:{house_bill_no}'  LOC+9/11/7'
      PAC+{packages}++{package_type}'  MEA+AAE+G+KGM:{gross}'  MEA+AAE+AAW+MTQ:{volume}'
      MOA+44:{value}:{currency}'  CPI++{freight_payment}'
      NAD+CZ+{id}:{id type}++{name}+++++{country α2}'  NAD+CN+…+{address}+…'  NAD+N1+++{name}'
      DGS+IMD++{un}'  FTX+ACD+++{change_reason}'
      GID+{seq}+{packages}:{package_type}'  FTX+AAA+++{description}'  PIA+5+{hs}:HS'
        MEA+AAE+G+KGM:{gross}'  SGP+{container_no}'  DGS+IMD++{un_number}'
    CNT+11:{total packages}'  CNT+7:{total gross}:KGM'
    UNT+n+1'

Mode of transport: China TrafMode 2/3/4/5 <-> UN Rec 19 1/2/3/4. Countries: ISO alpha-3
in JSON, alpha-2 in EDIFACT. Items and containers are read back grouped by consignment.
Containers may also be read from EQD groups inside a consignment (then they belong to it).
"""

from singlewindow.standards.edifact.cuscar.layout import MESSAGE, SPEC
from singlewindow.standards.edifact.cuscar.read import cuscar_to_manifest
from singlewindow.standards.edifact.cuscar.write import manifest_segments, manifest_to_cuscar

__all__ = ["MESSAGE", "SPEC", "cuscar_to_manifest", "manifest_segments", "manifest_to_cuscar"]
