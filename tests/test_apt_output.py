"""Tests for pip_native.native.apt_output: parsers of apt-get -s and --print-uris, dpkg-query -L,
apt-config."""

from __future__ import annotations

import pytest

from pip_native.native.apt_output import (
    SimulatedInstall,
    apt_messages,
    dist_from_metadata_dir,
    parse_apt_config_shell,
    parse_file_lists,
    parse_print_uris,
    parse_simulation,
    python_distributions_in,
    unmet_dependency_lines,
)
from test_apt_recordings import load_recording


def test_simulation_new_packages() -> None:
    sim = parse_simulation(load_recording("apt-get-s-sklearn").stdout)
    assert len(sim.installs) == 25
    assert sim.removals == ()
    numpy = next(i for i in sim.installs if i.name == "python3-numpy")
    assert numpy == SimulatedInstall("python3-numpy", "1:1.24.2-1+deb12u1", "amd64", None)
    joblib = next(i for i in sim.installs if i.name == "python3-joblib")
    assert joblib.arch == "all"
    assert "python3-yaml" not in {i.name for i in sim.installs}  # already the newest


def test_simulation_upgrades_record_old_version() -> None:
    sim = parse_simulation(load_recording("apt-get-s-upgrade").stdout)
    by_name = {i.name: i for i in sim.installs}
    assert by_name["curl"] == SimulatedInstall(
        "curl", "7.88.1-10+deb12u15", "amd64", "7.88.1-10+deb12u14"
    )  # the line ends with a trailing " []"
    assert by_name["libcurl4-gnutls-dev"].old_version is None
    assert len(sim.installs) == 5  # Conf lines are not installs


def test_simulation_removals() -> None:
    sim = parse_simulation(load_recording("apt-get-s-remove").stdout)
    assert sim.removals == (("systemd-timesyncd", "252.38-1~deb12u1"),)
    assert [i.name for i in sim.installs] == ["python3-ntp", "ntpsec"]
    assert sim.installs[0].version == "1.2.2+dfsg1-1+deb12u1"


def test_simulation_odd_lines() -> None:
    sim = parse_simulation(
        "Inst local (1.0 . [all])\nInst norelease (2.0 [amd64])\nInst weird\n"
        "Inst noarch (3.0 somewhere)\nRemv gone\n"
    )
    assert [(i.name, i.version, i.arch) for i in sim.installs] == [
        ("local", "1.0", "all"),
        ("norelease", "2.0", "amd64"),
        ("noarch", "3.0", None),
    ]
    assert sim.removals == (("gone", None),)


@pytest.mark.parametrize("name", ["pandas", "upgrade"])
def test_print_uris_says_what_apt_get_s_says(name: str) -> None:
    """The same request, recorded through both commands: the same packages, versions
    (epochs included: python3-audit 1:3.0.9-1), architectures and upgraded versions."""
    uris = parse_print_uris(load_recording(f"apt-get-print-uris-{name}").stdout, "amd64")
    sim = parse_simulation(load_recording(f"apt-get-s-{name}").stdout)
    assert uris is not None
    assert sorted(uris.installs, key=lambda i: i.name) == sorted(sim.installs, key=lambda i: i.name)
    assert uris.removals == ()


def test_print_uris_leaves_removals_to_apt_get_s() -> None:
    assert parse_print_uris(load_recording("apt-get-print-uris-remove").stdout, "amd64") is None


URIS = (
    "The following packages will be upgraded:\n"
    "   libold:i386 (1.0 => 2.0)\n"
    "{stats}\n"
    "'file:/repo/./top_1.0~rc1-1_all.deb' top_2%3a1.0%7erc1-1_all.deb 714 MD5Sum:f81c\n"
    "'http://h/pool/libold_2.0_i386.deb' libold_2.0_i386.deb 10 \n"
)


def test_print_uris_names_versions_and_foreign_architectures() -> None:
    stats = "1 upgraded, 1 newly installed, 0 to remove and 3 not upgraded."
    sim = parse_print_uris(URIS.format(stats=stats), "amd64")
    assert sim is not None
    assert sim.installs == (
        SimulatedInstall("top", "2:1.0~rc1-1", "all", None),
        SimulatedInstall("libold:i386", "2.0", "i386", "1.0"),
    )


@pytest.mark.parametrize(
    "stats",
    [
        "1 upgraded, 2 newly installed, 0 to remove and 3 not upgraded.",  # a file not listed
        "0 upgraded, 2 newly installed, 0 to remove and 3 not upgraded.",  # upgrade not counted
        "1 upgraded, 1 newly installed, 1 to remove and 3 not upgraded.",
        "1 upgraded, 1 newly installed, 1 reinstalled, 0 to remove and 3 not upgraded.",
        "1 upgraded, 1 newly installed, 1 downgraded, 0 to remove and 3 not upgraded.",
        "1 upgraded, 1 newly installed, 0 to remove and 3 not upgraded.\n"
        "1 not fully installed or removed.",
        "",  # no summary line at all
    ],
)
def test_print_uris_is_no_answer_unless_the_summary_adds_up(stats: str) -> None:
    assert parse_print_uris(URIS.format(stats=stats), "amd64") is None


def test_print_uris_upgrade_must_match_the_file() -> None:
    stats = "1 upgraded, 1 newly installed, 0 to remove and 3 not upgraded."
    text = URIS.format(stats=stats).replace("(1.0 => 2.0)", "(1.0 => 3.0)")
    assert parse_print_uris(text, "amd64") is None
    assert parse_print_uris(text.replace("libold:i386 (", "other ("), "amd64") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("apt-get-s-unknown", "Unable to locate package no-such-pkg-xyz"),
        ("apt-get-s-no-candidate", "Package 'libjpeg9-dev' has no installation candidate"),
        ("apt-get-s-virtual", "Package 'mail-transport-agent' has no installation candidate"),
        ("apt-get-s-bad-version", "Version '1:1.0' for 'python3-numpy' was not found"),
        ("apt-get-s-unmet", "Unable to correct problems, you have held broken packages."),
    ],
)
def test_apt_error_messages(name: str, expected: str) -> None:
    assert apt_messages(load_recording(name).stderr) == [expected]


def test_unmet_dependency_lines() -> None:
    assert unmet_dependency_lines(load_recording("apt-get-s-unmet").stdout) == [
        "ntpsec : Conflicts: time-daemon",
        "systemd-timesyncd : Conflicts: time-daemon",
    ]
    assert unmet_dependency_lines("nothing here") == []


def test_apt_messages_levels() -> None:
    text = "W: careful\nE: broken\nN: note\nNot: a message\n"
    assert apt_messages(text) == ["broken"]
    assert apt_messages(text, "WN") == ["careful", "note"]


def test_file_lists_recording_with_a_missing_package() -> None:
    rec = load_recording("dpkg-query-L")
    names = list(rec.argv[2:])
    lists = parse_file_lists(rec.stdout, names)
    assert lists["no-such-package"] is None
    assert lists["python3-six"] is not None
    assert "/usr/lib/python3/dist-packages/six.py" in lists["python3-six"]
    assert python_distributions_in(lists["python3-yaml"] or ()) == [("PyYAML", "6.0")]
    assert python_distributions_in(lists["python3-cryptography"] or ()) == [
        ("cryptography", "38.0.4"),
        ("cryptography", None),
    ]
    assert python_distributions_in(lists["python3-six"] or ()) == [("six", "1.16.0")]
    assert python_distributions_in(lists["python3-distro"] or ()) == [("distro", "1.8.0")]
    assert python_distributions_in(lists["libyaml-0-2"] or ()) == []


def test_file_lists_edge_cases() -> None:
    out = (
        "\n/.\n/usr/x\npackage diverts others to: /usr/y\n\n"
        "Package 'e' does not contain any files (!)\n"
    )
    lists = parse_file_lists(out, ["missing", "pkg", "empty", "beyond"])
    assert lists == {"missing": None, "pkg": ("/.", "/usr/x"), "empty": (), "beyond": None}


@pytest.mark.parametrize(
    ("base", "kind", "expected"),
    [
        ("scikit_learn-1.2.1", "dist-info", ("scikit_learn", "1.2.1")),
        ("PyYAML-6.0", "egg-info", ("PyYAML", "6.0")),
        ("foo", "egg-info", ("foo", None)),
        ("foo-", "dist-info", ("foo", None)),
        ("lazr.uri-1.0.6", "egg-info", ("lazr.uri", "1.0.6")),
        ("pkg-2.0-py3.11", "egg-info", ("pkg", "2.0")),
        ("pkg-py3.11", "egg-info", ("pkg", None)),
    ],
)
def test_dist_from_metadata_dir(base: str, kind: str, expected: tuple[str, str | None]) -> None:
    assert dist_from_metadata_dir(base, kind) == expected


def test_python_distributions_only_top_level_of_dist_packages() -> None:
    paths = [
        "/usr/lib/python3/dist-packages/a-1.0.dist-info",
        "/usr/lib/python3/dist-packages/a-1.0.dist-info/METADATA",
        "/usr/lib/python3.11/dist-packages/b-2.egg-info",
        "/usr/lib/python3/dist-packages/sub/c-3.dist-info",
        "/usr/share/doc/d-1.dist-info",
        "/usr/local/lib/python3.11/dist-packages/e-1.dist-info",
    ]
    assert python_distributions_in(paths) == [("a", "1.0"), ("b", "2")]


def test_parse_apt_config_shell() -> None:
    config = parse_apt_config_shell(load_recording("apt-config-shell").stdout)
    assert config["ARCH"] == "amd64"
    assert config["LISTS"] == "/var/lib/apt/lists/"
    assert config["STATUS"] == "/var/lib/dpkg/status"
    quoted = parse_apt_config_shell("A='it'\\''s'\nB=''\nnot a line\nC='unterminated\n")
    assert quoted == {"A": "it's", "B": ""}


def test_print_uris_of_installed_packages_is_an_empty_answer() -> None:
    """apt says each "is already the newest version" and lists nothing: nothing to do."""
    recorded = load_recording("apt-get-print-uris-sklearn").stdout
    assert "already the newest version" in recorded
    sim = parse_print_uris(recorded, "amd64")
    assert sim is not None
    assert sim.installs == () and sim.removals == ()
