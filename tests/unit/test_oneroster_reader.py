"""The OneRoster reader on its own: values checked, problems located, nothing swallowed."""

from __future__ import annotations

import io
import zipfile

import pytest

from pathwise.interop.oneroster import BundleUnreadable, parse_files, read_bundle

MANIFEST = b"propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.orgs,bulk\nfile.users,bulk\n"
ORGS = b"sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\no1,active,,School,school,,\n"
USERS_HEAD = (b"sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,"
              b"familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n")


def test_bad_values_are_named_by_file_line_and_field() -> None:
    users = USERS_HEAD + (
        b"u1,active,2023-13-45,TRUE,o1,student,ann,,Ann,A,,,,,,,,\n"
        b"u2,maybe,,yes,o1,wizard,bob,,Bob,B,,,not-an-email,,,,,\n"
        b"u3,active,,TRUE,o1,student,cat,,Cat,C,,,,,,,,\n"
        b"u3,active,,TRUE,o1,student,cat2,,Cat,C,,,,,,,,\n"
    )
    b = parse_files({"manifest.csv": MANIFEST, "orgs.csv": ORGS, "users.csv": users})
    got = {(i.file, i.line, i.field) for i in b.errors}
    assert ("users.csv", 2, "dateLastModified") in got
    assert {("users.csv", 3, f) for f in ("status", "enabledUser", "role", "email")} <= got
    assert ("users.csv", 5, "sourcedId") in got  # duplicate of line 4
    assert [r.sourced_id for r in b.of("user")] == ["u3"]


def test_passwords_are_never_read() -> None:
    users = USERS_HEAD + b"u1,active,,TRUE,o1,student,ann,,Ann,A,,,,,,,,Secret-1\n"
    b = parse_files({"manifest.csv": MANIFEST, "orgs.csv": ORGS, "users.csv": users})
    assert not b.errors
    assert "Secret-1" not in repr(b.of("user")[0].values)


def test_not_a_bundle() -> None:
    with pytest.raises(BundleUnreadable, match="manifest.csv"):
        parse_files({"users.csv": USERS_HEAD})
    with pytest.raises(BundleUnreadable, match="zip"):
        read_bundle(b"not a zip")


def test_zip_in_a_subfolder_reads() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("export/manifest.csv", MANIFEST)
        zf.writestr("export/orgs.csv", ORGS)
        zf.writestr("export/users.csv", USERS_HEAD + b"u1,,,TRUE,o1,teacher,tina,,Tina,T,,,,,,,,\n")
    b = read_bundle(buf.getvalue())
    assert not b.errors and b.of("user")[0].values["role"] == "teacher"
