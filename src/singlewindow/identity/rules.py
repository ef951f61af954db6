"""Pure checks on user input: password policy, usernames, roles for an organisation kind, cities.

No database, no web framework: the API, the CLI and the portal run the same checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from singlewindow.identity.roles import ROLES_BY_KIND, Role
from singlewindow.kit.errors import Finding
from singlewindow.parties.schemas import PartyKind

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 128
MIN_DISTINCT_CHARS = 5

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,63}$")
# A prefecture-level city: 6-digit GB/T 2260 code ending in "00" but not "0000" (a province).
CITY = re.compile(r"^[1-9][0-9](?!00)[0-9]{2}00$")

# Passwords people choose first (12+ characters; shorter ones fail the length rule anyway).
# Compared case-insensitively. Deliberately small: it stops the obvious, not a dictionary.
COMMON_PASSWORDS = frozenset(
    {
        "000000000000",
        "012345678901",
        "1234567890123",
        "123456789012",
        "12345678901234",
        "123456789abc",
        "12345678abcd",
        "1234qwerasdf",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "1qaz2wsx3edc4rfv",
        "5201314520131",
        "987654321098",
        "a1b2c3d4e5f6",
        "abc123456789",
        "abcd12345678",
        "abcdefghijkl",
        "admin1234567",
        "admin@123456",
        "administrator",
        "administrator1",
        "asdfghjkl123",
        "baseball1234",
        "changeme1234",
        "chinaport123",
        "football1234",
        "guangdong123",
        "guangdong1234",
        "iloveyou1234",
        "letmein12345",
        "p@ssw0rd1234",
        "p@ssword1234",
        "passw0rd1234",
        "password0000",
        "password1234",
        "password12345",
        "password123456",
        "password@123",
        "password@1234",
        "princess1234",
        "qwer1234asdf",
        "qwerty123456",
        "qwertyuiop12",
        "qwertyuiop123",
        "qwertyuiopasdf",
        "shenzhen1234",
        "singlewindow",
        "singlewindow1",
        "singlewindow123",
        "sunshine1234",
        "superman1234",
        "trustno11234",
        "welcome12345",
        "welcome@1234",
        "woaini1314520",
        "zxcvbnm12345",
        "zxcvbnm123456",
    }
)


def password_findings(password: str, username: str, path: str = "/password") -> list[Finding]:
    """Length 12..128, not the username, not a common password, at least 5 distinct chars."""
    findings: list[Finding] = []
    if len(password) < MIN_PASSWORD_CHARS:
        findings.append(
            Finding(
                path,
                "password_too_short",
                f"Password must have at least {MIN_PASSWORD_CHARS} characters",
                f"密码长度至少为 {MIN_PASSWORD_CHARS} 个字符",
            )
        )
    if len(password) > MAX_PASSWORD_CHARS:
        findings.append(
            Finding(
                path,
                "password_too_long",
                f"Password must have at most {MAX_PASSWORD_CHARS} characters",
                f"密码长度不能超过 {MAX_PASSWORD_CHARS} 个字符",
            )
        )
    folded = password.casefold()
    if username and folded == username.casefold():
        findings.append(
            Finding(
                path,
                "password_is_username",
                "Password must not be the username",
                "密码不能与用户名相同",
            )
        )
    if folded in COMMON_PASSWORDS:
        findings.append(
            Finding(
                path,
                "password_common",
                "Password is too common; choose another",
                "密码过于常见，请另选一个",
            )
        )
    if len(set(password)) < MIN_DISTINCT_CHARS:
        findings.append(
            Finding(
                path,
                "password_repetitive",
                f"Password must use at least {MIN_DISTINCT_CHARS} different characters",
                f"密码至少应包含 {MIN_DISTINCT_CHARS} 个不同的字符",
            )
        )
    return findings


def normalise_username(username: str) -> str:
    return username.strip().lower()


def username_findings(username: str, path: str = "/username") -> list[Finding]:
    if USERNAME.match(username):
        return []
    return [
        Finding(
            path,
            "username_format",
            "Username must be 3-64 characters: lower-case letters, digits, '.', '_', '@', '-', "
            "starting with a letter or digit",
            "用户名应为 3-64 个字符：小写字母、数字及 . _ @ -，且以字母或数字开头",
        )
    ]


def role_findings(kind: PartyKind, roles: Iterable[str], path: str = "/roles") -> list[Finding]:
    """Each role must exist and be allowed for the organisation kind; at least one role."""
    wanted = list(roles)
    if not wanted:
        return [Finding(path, "roles_empty", "At least one role is required", "至少需要一个角色")]
    findings = []
    allowed = ROLES_BY_KIND[kind]
    for index, value in enumerate(wanted):
        try:
            role = Role(value)
        except ValueError:
            findings.append(
                Finding(
                    f"{path}/{index}",
                    "role_unknown",
                    f"Unknown role {value!r}",
                    f"未知角色 {value!r}",
                )
            )
            continue
        if role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed)) or "none"
            findings.append(
                Finding(
                    f"{path}/{index}",
                    "role_not_allowed",
                    f"Role {role.value} is not allowed for an organisation of kind "
                    f"{kind.value} (allowed: {names})",
                    f"角色 {role.value} 不适用于 {kind.value} 类型的单位（允许：{names}）",
                )
            )
    return findings


def city_findings(city: str | None, roles: Iterable[str], path: str = "/city") -> list[Finding]:
    """A city operator needs a city; nobody else has one."""
    is_city_operator = Role.city_operator.value in set(roles)
    if city is None:
        if is_city_operator:
            return [
                Finding(
                    path,
                    "city_required",
                    "A city operator needs the city they operate (6-digit division code, "
                    "e.g. 440300)",
                    "地市平台运维人员必须指定所属地市（6 位行政区划代码，如 440300）",
                )
            ]
        return []
    if not is_city_operator:
        return [
            Finding(
                path,
                "city_not_applicable",
                "Only city operators have a city",
                "只有地市平台运维人员可指定地市",
            )
        ]
    if not CITY.match(city):
        return [
            Finding(
                path,
                "city_format",
                f"{city!r} is not a prefecture-level city code (6 digits ending in 00, "
                "e.g. 440300)",
                f"{city!r} 不是地市级行政区划代码（6 位数字且以 00 结尾，如 440300）",
            )
        ]
    return []


def city_of_uscc(uscc: str | None) -> str | None:
    """The prefecture-level city of a USCC's registration authority (characters 3-8)."""
    if not uscc or len(uscc) != 18:
        return None
    code = uscc[2:6] + "00"
    return code if CITY.match(code) else None
