"""Tests for the dnf/rpm output parsers in pip_native.native.dnf_output (recorded output)."""

from __future__ import annotations

from pip_native.native.dnf_output import (
    dnf_problems,
    no_match_arguments,
    parse_records,
    parse_transaction,
)
from pip_native.native.dnf_version import EVR, Dep, Rich
from test_dnf_recordings import load_recording


def test_rpm_records_of_the_installroot() -> None:
    records = {p.name: p for p in parse_records(load_recording("batch-1-rpm").stdout)}
    assert set(records) == {"python3", "python3-pntest-core"}
    core = records["python3-pntest-core"]
    assert core.installed and core.nevra == "python3-pntest-core-0.9-1.noarch"
    assert Dep("python3dist(pntest-core)", "=", EVR(None, "0.9", None)) in core.provides
    # rpm lists rpmlib() requires; they are rpm's own features, not packages
    assert any(t.startswith("rpmlib(") for t in core.requires_text)
    assert core.requires == (Dep("python(abi)", "=", EVR(None, "3.11", None)),)


def test_dnf_records_with_epoch_and_rich_requires() -> None:
    records = parse_records(load_recording("batch-2-repoquery").stdout)
    by_nevra = {p.nevra: p for p in records}
    assert "python3-pntest-core-0.9-1.noarch" in by_nevra  # every version, not just the newest
    impl = by_nevra["python3-pntest-impl-1:3.1-2.fc40.noarch"]
    assert (impl.epoch, impl.evr_text, impl.repo, impl.installed) == (
        1,
        "1:3.1-2.fc40",
        "pntest",
        False,
    )
    app = by_nevra["python3-pntest-app-2.0-1.noarch"]
    rich = [r for r in app.requires if isinstance(r, Rich)]
    assert [str(r) for r in rich] == [
        "(python3-pntest-missing or python3dist(pntest-helper) >= 0.5)"
    ]
    assert all(p.files is None for p in records)


def test_records_skip_noise_and_keep_empty_lists() -> None:
    text = (
        "pntest   1.2 MB/s | 3 kB  00:00\n"
        "@@pn\tlibx\t0\t1\t1\tx86_64\trepo\n@@P\nlibx = 1-1\n@@R\n\n@@E\n@@F\n/usr/lib64/libx.so.1\n@@E"
    )
    (pkg,) = parse_records(text)
    assert pkg.requires == ()
    assert pkg.files == frozenset({"/usr/lib64/libx.so.1"})
    assert pkg.arch == "x86_64"


def test_transaction_install_upgrade_and_dependencies() -> None:
    result = load_recording("plan-app-3-install")
    tx = parse_transaction(result.stdout)
    rows = [(r.section, r.name, r.evr) for r in tx.changes]
    assert rows == [
        ("Installing", "python3-pntest-app", "2.0-1"),
        ("Installing", "python3-pntest-with-a-name-long-enough-to-wrap-the-table", "1.0-1"),
        ("Upgrading", "python3-pntest-core", "1.0-1"),
        ("Installing dependencies", "libpntest", "1.2-1"),
        ("Installing dependencies", "python3-pntest-helper", "0.5-1"),
        ("Installing dependencies", "python3-pntest-impl", "1:3.1-2.fc40"),
    ]
    assert tx.removals == () and not tx.nothing_to_do
    assert "Operation aborted." in result.stderr


def test_transaction_nothing_to_do() -> None:
    tx = parse_transaction(load_recording("plan-nothing-2-install").stdout)
    assert tx.changes == () and tx.nothing_to_do


# dnf 4 (dnf/cli/output.py fmtColumns) moves the rest of a row to the next line, indented to
# the next column, when a value is wider than its column; the local repository's names never
# get that wide, so this table is written by hand in that layout.
WRAPPED = """\
Dependencies resolved.
================================================================================
 Package                          Arch     Version            Repository  Size
================================================================================
Installing:
 python3-a-very-long-name-indeed-that-overflows-its-column
                                  x86_64   1:2.0-3.fc40       updates     10 k
Upgrading:
 python3-b                        noarch   2.0-1.fc40         updates    5.1 M
     replacing  python3-b-legacy.noarch 1.0-1.fc39
Removing dependent packages:
 python3-c                        noarch   1.0-1.fc39         @System     20 k

Transaction Summary
"""


def test_transaction_wrapped_rows_replacing_and_removals() -> None:
    tx = parse_transaction(WRAPPED)
    assert [(r.name, r.arch, r.evr, r.repo) for r in tx.changes] == [
        (
            "python3-a-very-long-name-indeed-that-overflows-its-column",
            "x86_64",
            "1:2.0-3.fc40",
            "updates",
        ),
        ("python3-b", "noarch", "2.0-1.fc40", "updates"),
    ]
    assert [(r.section, r.name) for r in tx.removals] == [
        ("Removing dependent packages", "python3-c")
    ]


def test_no_match_arguments() -> None:
    result = load_recording("install-no-match")
    assert no_match_arguments(result.stdout, result.stderr) == ["python3-pntest-core-0.5-1.noarch"]
    ok = load_recording("plan-app-3-install")
    assert no_match_arguments(ok.stdout, ok.stderr) == []


def test_problems() -> None:
    broken = load_recording("plan-broken-2-install")
    assert dnf_problems(broken.stderr) == [
        "Problem: conflicting requests",
        "- nothing provides libpntest-gone.so.1()(64bit) needed by "
        "python3-pntest-broken-1.0-1.noarch",
    ]
    conflict = dnf_problems(load_recording("plan-conflict-2-install").stderr)
    assert conflict[0] == "Problem: problem with installed package python3-pntest-core-0.9-1.noarch"
    assert len(conflict) == 4
    root = load_recording("install-not-root")
    assert dnf_problems(root.stderr) == [
        "This command has to be run with superuser privileges (under the root user on most "
        "systems)."
    ]
