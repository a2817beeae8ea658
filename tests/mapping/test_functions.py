"""Every built-in of docs/idp/entra-expressions.md §4: documented examples, Null and empty inputs.

One row per rule; the id names the function and the rule.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.mapping.helpers import value

JOHN = {"givenName": "John", "surname": "Doe", "userPrincipalName": "John.Doe@contoso.com"}

CASES: list[tuple[str, str, dict[str, Any], Any]] = [
    # 4.1 Append
    ("append-doc", 'Append([userPrincipalName], ".test")', JOHN, "John.Doe@contoso.com.test"),
    ("append-mid", "Append(Mid([givenName], 1, 3), Mid([surname], 1, 5))", JOHN, "JohDoe"),
    (
        "append-join",
        'Append("SMTP:", Join("@", Join(".", [givenName], [surname]), "contoso.com"))',
        JOHN,
        "SMTP:John.Doe@contoso.com",
    ),
    ("append-null-source", 'Append([missing], ".test")', {}, ".test"),
    ("append-null-suffix", "Append([givenName], [missing])", JOHN, "John"),
    # 4.3 BitAnd
    ("bitand-doc", "BitAnd(&HF, &HF7)", {}, 7),
    ("bitand-numbers", "BitAnd(12, 10)", {}, 8),
    # 4.4 CBool
    ("cbool-equal", "CBool([a] = [b])", {"a": "x", "b": "x"}, True),
    ("cbool-different", "CBool([a] = [b])", {"a": "x", "b": "y"}, False),
    ("cbool-number", "CBool(0)", {}, False),
    ("cbool-true-string", 'CBool("true")', {}, True),
    # 4.5 CDate
    (
        "cdate-date-offset",
        "CDate([StatusHireDate])",
        {"StatusHireDate": "2020-03-16-07:00"},
        "3/16/2020 7:00:00 AM",
    ),
    ("cdate-plus-offset", 'CDate("2021-06-30+08:00")', {}, "6/29/2021 4:00:00 PM"),
    ("cdate-datetime-offset", 'CDate("2009-06-15T01:45:30-07:00")', {}, "6/15/2009 8:45:30 AM"),
    ("cdate-no-offset-is-utc", 'CDate("2021-08-24")', {}, "8/24/2021 12:00:00 AM"),
    ("cdate-us-form", 'CDate("8/25/2021 5:41:18 PM")', {}, "8/25/2021 5:41:18 PM"),
    # 4.6 Coalesce
    ("coalesce-doc", "Coalesce([mail],[userPrincipalName])", JOHN, "John.Doe@contoso.com"),
    ("coalesce-default", 'Coalesce([a], [b], "none")', {}, "none"),
    ("coalesce-all-null", "Coalesce([a], [b])", {}, None),
    ("coalesce-empty-is-a-value", 'Coalesce([a], "x")', {"a": ""}, ""),
    # 4.7 / 4.8
    ("base64-doc", 'ConvertToBase64("Hello world!")', {}, "SABlAGwAbABvACAAdwBvAHIAbABkACEA"),
    ("base64-null", "ConvertToBase64([x])", {}, None),
    ("utf8hex-doc", 'ConvertToUTF8Hex("Hello world!")', {}, "48656C6C6F20776F726C6421"),
    (
        "utf8hex-objectid",
        'Join("", 1000, Replace(ConvertToUTF8Hex([objectId]), , "[a-zA-Z_]*", , "", , ))',
        {"objectId": "00aa00aa-bb11-cc22-dd33-44ee44ee44ee"},
        "100030306161303061612626231312636332322646433332343465653434656534346565",
    ),
    # 4.9 Count
    ("count-list", "Count([proxyAddresses])", {"proxyAddresses": ["a", "b", "c"]}, 3),
    ("count-null", "Count([proxyAddresses])", {}, 0),
    # 4.10 CStr
    ("cstr-doc", "CStr([dn])", {"dn": "cn=Joe,dc=contoso,dc=com"}, "cn=Joe,dc=contoso,dc=com"),
    ("cstr-bool", "CStr([accountEnabled])", {"accountEnabled": True}, "True"),
    ("cstr-reference", "CStr([manager])", {"manager": {"id": "m-1"}}, "m-1"),
    ("cstr-null", "CStr([x])", {}, None),
    # 4.11 DateAdd
    ("dateadd-d", 'DateAdd("d", 7, CDate([h]))', {"h": "2012-03-16-07:00"}, "3/23/2012 7:00:00 AM"),
    (
        "dateadd-neg",
        'DateAdd("d", -10, CDate([h]))',
        {"h": "2012-03-16-07:00"},
        "3/6/2012 7:00:00 AM",
    ),
    (
        "dateadd-ww",
        'DateAdd("ww", 2, CDate([h]))',
        {"h": "2012-03-16-07:00"},
        "3/30/2012 7:00:00 AM",
    ),
    (
        "dateadd-m",
        'DateAdd("m", 10, CDate([h]))',
        {"h": "2012-03-16-07:00"},
        "1/16/2013 7:00:00 AM",
    ),
    (
        "dateadd-yyyy",
        'DateAdd("yyyy", 2, CDate([h]))',
        {"h": "2012-03-16-07:00"},
        "3/16/2014 7:00:00 AM",
    ),
    ("dateadd-quoted-number", 'DateAdd("d", "10", Now())', {}, "9/4/2021 5:41:18 PM"),
    ("dateadd-month-clamps", 'DateAdd("m", 1, CDate("2021-01-31"))', {}, "2/28/2021 12:00:00 AM"),
    # 4.12 DateDiff
    ("datediff-d", 'DateDiff("d", CDate("2021-08-18+08:00"), CDate("2021-08-31+08:00"))', {}, 13),
    ("datediff-now-d", 'DateDiff("d", Now(), CDate([h]))', {"h": "2012-03-16-07:00"}, -3449),
    ("datediff-now-ww", 'DateDiff("ww", Now(), CDate([h]))', {"h": "2012-03-16-07:00"}, -493),
    ("datediff-now-m", 'DateDiff("m", Now(), CDate([h]))', {"h": "2012-03-16-07:00"}, -113),
    ("datediff-now-yyyy", 'DateDiff("yyyy", Now(), CDate([h]))', {"h": "2012-03-16-07:00"}, -9),
    (
        "datediff-equal",
        'DateDiff("d", CDate("2021-08-31+08:00"), CDate("2021-08-31+08:00"))',
        {},
        0,
    ),
    ("datediff-h", 'DateDiff("h", CDate("2021-08-24"), CDate("2021-08-25"))', {}, 24),
    ("datediff-n", 'DateDiff("n", CDate("2021-08-24"), CDate("2021-08-25"))', {}, 1440),
    ("datediff-s", 'DateDiff("s", CDate("2021-08-24"), CDate("2021-08-25"))', {}, 86400),
    (
        "datediff-example-2",
        'Switch([Active], , "1", IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", '
        '"True"), "0", "False")',
        {"Active": "1", "StatusHireDate": "2021-09-30"},
        "False",
    ),
    ("datediff-ww-year-one", 'DateDiff("ww", CDate("0001-01-07"), CDate("0001-01-14"))', {}, 1),
    # 4.13 DateFromNum
    ("datefromnum-doc", "DateFromNum(129699324000000000)", {}, "1/1/2012 11:00:00 PM"),
    # 4.14 DefaultDomain
    (
        "defaultdomain-doc",
        'Join("@", [mailNickname], DefaultDomain())',
        {"mailNickname": "jdoe"},
        "jdoe@contoso.com",
    ),
    # 4.15 FormatDateTime
    (
        "formatdatetime-doc",
        'FormatDateTime([e], , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")',
        {"e": "20150123105347.1Z"},
        "2015-01-23",
    ),
    (
        "formatdatetime-ampm",
        'FormatDateTime([d], ,"M/d/yyyy hh:mm:ss tt","yyyy-MM-dd")',
        {"d": "12/31/2020 11:30:00 PM"},
        "2020-12-31",
    ),
    ("formatdatetime-null", 'FormatDateTime([x], , "yyyy", "yy")', {}, None),
    ("formatdatetime-empty", 'FormatDateTime([x], , "yyyy", "yy")', {"x": ""}, None),
    (
        "formatdatetime-styles",
        'FormatDateTime([x], "RoundtripKind", "yyyy-MM-dd", "dd.MM.yyyy")',
        {"x": "2020-02-29"},
        "29.02.2020",
    ),
    # 4.17 IgnoreFlowIfNullOrEmpty (value when present)
    ("ignoreflow-value", "IgnoreFlowIfNullOrEmpty([department])", {"department": "R&D"}, "R&D"),
    (
        "ignoreflow-iif",
        'IgnoreFlowIfNullOrEmpty(IIF([country]="USA",[region],""))',
        {"country": "USA", "region": "West"},
        "West",
    ),
    # 4.18 IIF
    (
        "iif-doc-true",
        'IIF([country]="USA",[country],[department])',
        {"country": "USA", "department": "Sales"},
        "USA",
    ),
    (
        "iif-doc-false",
        'IIF([country]="USA",[country],[department])',
        {"country": "NL", "department": "Sales"},
        "Sales",
    ),
    (
        "iif-and",
        'IIF([country]="USA",IIF([state]="CA","True","False"),"False")',
        {"country": "USA", "state": "CA"},
        "True",
    ),
    (
        "iif-or",
        'IIF([country]="USA","True",IIF([state]="CA","True","False"))',
        {"country": "NL", "state": "CA"},
        "True",
    ),
    (
        "iif-numeric-compare",
        'IIF([StatusRehire]=1, "rehire", "new")',
        {"StatusRehire": "1.0"},
        "rehire",
    ),
    ("iif-case-sensitive", 'IIF([c]="usa", "y", "n")', {"c": "USA"}, "n"),
    ("iif-not-equal", 'IIF([c]<>"USA", "y", "n")', {"c": "NL"}, "y"),
    # 4.19 InStr
    ("instr-doc", 'InStr("The quick brown fox","quick")', {}, 5),
    ("instr-start", 'InStr("repEated","e",3,vbBinaryCompare)', {}, 7),
    ("instr-text-compare", 'InStr("repEated","e",3,vbTextCompare)', {}, 4),
    ("instr-absent", 'InStr("abc","z")', {}, 0),
    ("instr-null", 'InStr([x],"z")', {}, None),
    # 4.20-4.23
    ("isnull-absent", "IsNull([displayName])", {}, True),
    ("isnull-empty", "IsNull([displayName])", {"displayName": ""}, False),
    ("isnullorempty-empty", "IsNullOrEmpty([displayName])", {"displayName": ""}, True),
    ("isnullorempty-value", "IsNullOrEmpty([displayName])", {"displayName": "x"}, False),
    ("ispresent-doc", "IsPresent([directManager])", {"directManager": "m"}, True),
    ("ispresent-empty", "IsPresent([directManager])", {"directManager": ""}, False),
    ("isstring-string", "IsString([a])", {"a": "x"}, True),
    ("isstring-null", "IsString([a])", {}, False),
    ("isstring-multi", "IsString([a])", {"a": ["x", "y"]}, False),
    # 4.24 Item
    (
        "item-doc",
        "Item([proxyAddresses], 1)",
        {"proxyAddresses": ["SMTP:a@x", "smtp:b@x"]},
        "SMTP:a@x",
    ),
    ("item-split", 'Item(Split([userPrincipalName], "@"), 1)', JOHN, "John.Doe"),
    ("item-null", "Item([x], 1)", {}, None),
    ("item-single-string", "Item([x], 1)", {"x": "only"}, "only"),
    # 4.25 Join
    ("join-skips-empty", 'Join(", ", "", [surname], [givenName])', JOHN, "Doe, John"),
    ("join-skips-null", 'Join(" ", [givenName], [middle], [surname])', JOHN, "John Doe"),
    ("join-all-null", 'Join(" ", [a], [b])', {}, ""),
    ("join-multivalue", 'Join(";", [p])', {"p": ["a", "b"]}, "a;b"),
    ("join-number", 'Join("", 1000, "x")', {}, "1000x"),
    # 4.26 Left
    ("left-doc", 'Left("John Doe", 3)', {}, "Joh"),
    ("left-zero", 'Left("John Doe", 0)', {}, ""),
    ("left-negative", 'Left("John Doe", -1)', {}, "John Doe"),
    ("left-null", "Left([x], 3)", {}, ""),
    ("left-short", 'Left("Jo", 3)', {}, "Jo"),
    # 4.27 Len
    ("len-doc", 'Len("John Doe")', {}, 8),
    ("len-int", "Len(42568)", {}, 5),
    ("len-decimal", "Len(42568.75)", {}, 8),
    ("len-null", "Len([x])", {}, 0),
    (
        "len-example-2-short",
        'IIF(Len([LastName]) <= 5,\n\n  Left(Join ("",[LastName],[FirstName]),10),\n'
        '  Join("", Mid([LastName],1,9), Mid([FirstName],1,1))\n\n)',
        {"FirstName": "John", "LastName": "Smith"},
        "SmithJohn",
    ),
    (
        "len-example-2-long",
        'IIF(Len([LastName]) <= 5, Left(Join ("",[LastName],[FirstName]),10), '
        'Join("", Mid([LastName],1,9), Mid([FirstName],1,1)))',
        {"FirstName": "John", "LastName": "Parker"},
        "ParkerJ",
    ),
    # 4.28 Mid
    ("mid-graph", "Mid([userPrincipalName], 1, 8)", JOHN, "John.Doe"),
    ("mid-past-end", 'Mid("abc", 2, 10)', {}, "bc"),
    ("mid-start-beyond", 'Mid("abc", 5, 1)', {}, ""),
    ("mid-null", "Mid([x], 1, 1)", {}, ""),
    (
        "mid-quoted-numbers",
        'Mid([PreferredFirstName], "1", "1")',
        {"PreferredFirstName": "Zoe"},
        "Z",
    ),
    # 4.29 NormalizeDiacritics
    ("diacritics-doc", "NormalizeDiacritics([givenName])", {"givenName": "Zoë"}, "Zoe"),
    (
        "diacritics-table",
        'NormalizeDiacritics("Æsa Øster Straße Łódź ǣ")',
        {},
        "AEsa OEster Strasse Lodz ae",
    ),
    ("diacritics-null", "NormalizeDiacritics([x])", {}, None),
    # 4.30 Not
    ("not-true", "Not([IsSoftDeleted])", {"IsSoftDeleted": True}, False),
    ("not-string-true", 'Not("True")', {}, False),
    ("not-false", 'Not("False")', {}, True),
    ("not-null", "Not([x])", {}, True),
    # 4.31 Now
    ("now", "Now()", {}, "8/25/2021 5:41:18 PM"),
    # 4.32 NumFromDate
    (
        "numfromdate-doc",
        'NumFromDate(Join("", FormatDateTime([ContractEndDate], ,"yyyy-MM-ddzzz", "yyyy-MM-dd"), '
        '" 23:59:59-08:00"))',
        {"ContractEndDate": "2020-12-31-08:00"},
        132539615990000000,
    ),
    ("numfromdate-sf", 'NumFromDate("2025-12-31T23:59:59-05:00")', {}, 134117171990000000),
    # 4.33 PCase
    (
        "pcase-doc-1",
        "PCase([firstName])",
        {"firstName": "PABLO GONSALVES (SECOND)"},
        "Pablo Gonsalves (Second)",
    ),
    ("pcase-doc-2", 'PCase([lastName]," \'-")', {"lastName": "PINTO-DE'SILVA"}, "Pinto-De'Silva"),
    (
        "pcase-doc-3",
        'PCase(Join(" ",[firstName],[lastName]))',
        {"firstName": "GREGORY", "lastName": "JAMES"},
        "Gregory James",
    ),
    (
        "pcase-wd",
        'Replace(PCase("st john\'s hospital"),"\'S", , ,"\'s", , )',
        {},
        "St John's Hospital",
    ),
    ("pcase-null", "PCase([x])", {}, None),
    # 4.35 Redact
    ("redact", "Redact([userPrincipalName])", JOHN, "John.Doe@contoso.com"),
    # 4.36 RemoveDuplicates
    ("removeduplicates", "RemoveDuplicates([p])", {"p": ["a", "B", "a", "b"]}, ["a", "B", "b"]),
    ("removeduplicates-null", "RemoveDuplicates([p])", {}, None),
    # 4.40 Split
    (
        "split-doc",
        'Split([extensionAttribute5], ",")',
        {"extensionAttribute5": "PermissionSetOne, PermissionSetTwo"},
        ["PermissionSetOne", "PermissionSetTwo"],
    ),
    ("split-null", 'Split([x], ",")', {}, None),
    # 4.41 StripSpaces
    ("stripspaces", 'StripSpaces(" a b ")', {}, "ab"),
    ("stripspaces-null", "StripSpaces([x])", {}, None),
    # 4.42 Switch
    (
        "switch-doc",
        'Switch([state], "Australia/Sydney", "NSW", "Australia/Sydney","QLD", '
        '"Australia/Brisbane", "SA", "Australia/Adelaide")',
        {"state": "QLD"},
        "Australia/Brisbane",
    ),
    (
        "switch-default",
        'Switch([state], "Australia/Sydney", "NSW", "x")',
        {"state": "WA"},
        "Australia/Sydney",
    ),
    ("switch-empty-default-is-null", 'Switch([state], , "NSW", "x")', {"state": "WA"}, None),
    (
        "switch-tolower",
        'Switch(ToLower([statusFlag]), "0", "true", "1", "false", "0")',
        {"statusFlag": "TRUE"},
        "1",
    ),
    (
        "switch-case-sensitive",
        'Switch([statusFlag], "0", "true", "1", "false", "0")',
        {"statusFlag": "TRUE"},
        "0",
    ),
    ("switch-country-present", 'Switch([country],[country],"","Other")', {"country": "NL"}, "NL"),
    ("switch-country-empty", 'Switch([country],[country],"","Other")', {"country": ""}, "Other"),
    ("switch-country-null", 'Switch([country],[country],"","Other")', {}, "Other"),
    ("switch-caution", 'Switch([statusFlag], "Default Value", "true", "1", "", "0")', {}, "0"),
    (
        "switch-ispresent",
        'Switch(IsPresent([jobTitle]), "DefaultValue", "True", [jobTitle])',
        {"jobTitle": "CEO"},
        "CEO",
    ),
    (
        "switch-softdeleted-false",
        'Switch([IsSoftDeleted], , "False", "True", "True", "False")',
        {"IsSoftDeleted": False},
        "True",
    ),
    (
        "switch-softdeleted-true",
        'Switch([IsSoftDeleted], , "False", "True", "True", "False")',
        {"IsSoftDeleted": True},
        "False",
    ),
    # 4.43 / 4.44
    (
        "tolower-doc",
        'ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".",  [PreferredFirstName], '
        '[PreferredLastName]))), "contoso.com"))',
        {"PreferredFirstName": "John", "PreferredLastName": "Smith"},
        "john.smith@contoso.com",
    ),
    ("tolower-turkish", 'ToLower("IİI", "tr-TR")', {}, "\u0131i\u0131"),
    ("tolower-invariant", 'ToLower("İ")', {}, "i"),
    ("toupper-turkish", 'ToUpper("i\u0131", "tr")', {}, "İI"),
    ("toupper-keeps-sharp-s", 'ToUpper("straße")', {}, "STRAßE"),
    ("tolower-null", "ToLower([x])", {}, None),
    # 4.45 Word
    ("word-doc-1", 'Word("The quick brown fox",3," ")', {}, "brown"),
    ("word-doc-2", 'Word("This,string!has&many separators",3,",!&#")', {}, "has"),
    ("word-zero", 'Word("a b", 0, " ")', {}, ""),
    ("word-too-few", 'Word("a b", 3, " ")', {}, ""),
    ("word-null", 'Word([x], 1, " ")', {}, ""),
    ("word-consecutive-delimiters", 'Word("a  b", 2, " ")', {}, "b"),
    # roles
    (
        "approles-complex",
        "AppRoleAssignmentsComplex([appRoleAssignments])",
        {"appRoleAssignments": [{"id": "1", "value": "Admin", "displayName": "Admin"}]},
        [
            {
                "primary": False,
                "type": "WindowsAzureActiveDirectoryRole",
                "displayName": "Admin",
                "value": "Admin",
            }
        ],
    ),
    (
        "approles-single",
        "SingleAppRoleAssignment([appRoleAssignments])",
        {"appRoleAssignments": [{"id": "1", "value": "Admin", "displayName": "Admin"}]},
        "Admin",
    ),
    (
        "approles-single-none",
        "SingleAppRoleAssignment([appRoleAssignments])",
        {"appRoleAssignments": []},
        None,
    ),
    # attributes
    ("attribute-case-insensitive", "[MAIL]", {"mail": "a@b"}, "a@b"),
    ("attribute-absent", "[mail]", {}, None),
    ("constant", '"Contoso"', {}, "Contoso"),
]


@pytest.mark.parametrize(
    ("expression", "attributes", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_function_value(expression: str, attributes: dict[str, Any], expected: Any) -> None:
    """Each documented example and Null/empty rule gives the specified JSON value."""
    assert value(expression, attributes) == expected
