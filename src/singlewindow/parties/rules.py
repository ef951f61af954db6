"""Pure checks on party identifiers."""

from __future__ import annotations

import re

from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumValidationError

from singlewindow.kit.errors import Finding

CUSTOMS_CODE = re.compile(r"^[0-9A-Z]{10}$")


def uscc_findings(value: str, path: str) -> list[Finding]:
    try:
        stdnum_uscc.validate(value)
    except StdnumValidationError:
        return [
            Finding(
                path,
                "uscc_invalid",
                f"{value!r} is not a valid unified social credit code (check digit or format)",
                f"{value!r} 不是有效的统一社会信用代码（校验位或格式错误）",
            )
        ]
    return []


def customs_code_findings(value: str, path: str) -> list[Finding]:
    if CUSTOMS_CODE.match(value):
        return []
    return [
        Finding(
            path,
            "customs_code_format",
            "Customs registration code must be 10 upper-case letters or digits",
            "海关编码应为 10 位大写字母或数字",
        )
    ]
