"""IndexConfig: pip configuration reading (files, sections, env, overrides), pip args, redaction."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import pytest

from pip_native.errors import ConfigError
from pip_native.index import pipconf
from pip_native.index.config import IndexConfig, redact_url

if TYPE_CHECKING:
    from pathlib import Path


class Layout:
    """Fake config locations: every file pip could read lives under tmp_path."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.home = tmp_path / "home"
        self.xdg_dirs = tmp_path / "xdg"
        self.etc = tmp_path / "etc"
        self.base = tmp_path / "base-prefix"
        self.prefix = tmp_path / "venv"
        for d in (self.home, self.xdg_dirs, self.etc, self.base, self.prefix):
            d.mkdir()
        monkeypatch.setattr(pipconf, "SYSTEM_CONFIG_DIR", str(self.etc))
        monkeypatch.setattr(sys, "base_prefix", str(self.base))
        monkeypatch.setattr(sys, "prefix", str(self.prefix))
        self.environ: dict[str, str] = {
            "HOME": str(self.home),
            "XDG_CONFIG_DIRS": str(self.xdg_dirs),
        }
        self.xdg_global = self.xdg_dirs / "pip" / "pip.conf"
        self.etc_global = self.etc / "pip.conf"
        self.legacy_user = self.home / ".pip" / "pip.conf"
        self.user = self.home / ".config" / "pip" / "pip.conf"
        self.base_file = self.base / "pip.conf"
        self.site = self.prefix / "pip.conf"

    @staticmethod
    def write(path: Path, text: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def config(self, *, isolated: bool = False, **overrides: object) -> IndexConfig:
        return IndexConfig.from_pip_configuration(self.environ, isolated=isolated, **overrides)


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Layout:
    return Layout(tmp_path, monkeypatch)


def test_no_configuration_gives_pip_defaults(layout: Layout) -> None:
    assert layout.config() == IndexConfig()
    assert IndexConfig().index_url == "https://pypi.org/simple"


def test_config_files_in_pips_order(layout: Layout) -> None:
    files = pipconf.pip_config_files(layout.environ, platform="linux")
    assert files == [
        ("global", layout.xdg_global),
        ("global", layout.etc_global),
        ("user", layout.legacy_user),
        ("user", layout.user),
        ("base", layout.base_file),
        ("site", layout.site),
    ]


def test_xdg_config_home_moves_the_user_file(layout: Layout, tmp_path: Path) -> None:
    layout.environ["XDG_CONFIG_HOME"] = str(tmp_path / "cfg")
    files = pipconf.pip_config_files(layout.environ, platform="linux")
    assert ("user", tmp_path / "cfg" / "pip" / "pip.conf") in files


def test_later_files_override_earlier_ones(layout: Layout) -> None:
    layout.write(layout.xdg_global, "[global]\ntimeout = 1\nretries = 1\ncert = /xdg.pem\n")
    layout.write(layout.etc_global, "[global]\ntimeout = 2\nretries = 2\n")
    layout.write(layout.legacy_user, "[global]\ntimeout = 3\n")
    layout.write(layout.user, "[global]\ntimeout = 4\n")
    layout.write(layout.site, "[global]\ntimeout = 5\n")
    config = layout.config()
    assert (config.timeout, config.retries, config.cert) == (5.0, 2, "/xdg.pem")


def test_install_section_beats_global_section_of_any_file(layout: Layout) -> None:
    # pip applies all [global] values first, then all [install] values, then PIP_*.
    layout.write(layout.etc_global, "[install]\nindex-url = https://install.example/simple\n")
    layout.write(layout.user, "[global]\nindex-url = https://user-global.example/simple\n")
    assert layout.config().index_url == "https://install.example/simple"


def test_precedence_global_install_env_override(layout: Layout) -> None:
    layout.write(
        layout.user,
        "[global]\nindex-url = https://g/simple\n[install]\nindex-url = https://i/simple\n",
    )
    assert layout.config().index_url == "https://i/simple"
    layout.environ["PIP_INDEX_URL"] = "https://env/simple"
    assert layout.config().index_url == "https://env/simple"
    assert layout.config(index_url="https://cli/simple").index_url == "https://cli/simple"
    assert layout.config(index_url=None).index_url == "https://env/simple"


def test_keys_are_normalised_like_pip(layout: Layout) -> None:
    layout.write(layout.user, "[global]\nIndex_URL = https://mixed/simple\n--retries = 7\n")
    layout.environ["PIP_TRUSTED_HOST"] = "a.example b.example:8443"
    config = layout.config()
    assert config.index_url == "https://mixed/simple"
    assert config.retries == 7
    assert config.trusted_hosts == ("a.example", "b.example:8443")


def test_multi_value_options_split_on_whitespace_and_cli_appends(layout: Layout) -> None:
    layout.write(
        layout.user,
        "[global]\nextra-index-url =\n    https://one/simple\n    https://two/simple\n"
        "find-links = /wheels ./more\n",
    )
    config = layout.config(extra_index_urls=["https://cli/simple"], find_links=None)
    # Like pip's optparse "append" options: command-line values add to configured ones.
    assert config.extra_index_urls == (
        "https://one/simple",
        "https://two/simple",
        "https://cli/simple",
    )
    assert config.find_links == ("/wheels", "./more")


def test_a_value_given_twice_is_kept_once_at_its_first_place(layout: Layout) -> None:
    """pip.conf names the index and so does the command line (as scripts often do): the
    plan reads it once and its pip command names it once."""
    layout.write(
        layout.user,
        "[global]\nextra-index-url = https://one/simple https://two/simple\nfind-links = /wheels\n",
    )
    layout.environ["PIP_TRUSTED_HOST"] = "a.example a.example"
    config = layout.config(
        extra_index_urls=["https://two/simple", "https://cli/simple", "https://one/simple"],
        find_links=["/wheels", "/more"],
    )
    assert config.extra_index_urls == (
        "https://one/simple",
        "https://two/simple",
        "https://cli/simple",
    )
    assert config.find_links == ("/wheels", "/more")
    assert config.trusted_hosts == ("a.example",)
    assert config.pip_args().count("https://one/simple") == 1
    # the pip hook builds the settings from pip's parsed options, duplicates included
    direct = IndexConfig(extra_index_urls=("https://a/simple", "https://a/simple"))
    assert direct.extra_index_urls == ("https://a/simple",)


def test_empty_value_in_a_later_file_clears_the_option(layout: Layout) -> None:
    layout.write(layout.etc_global, "[global]\nindex-url = https://etc/simple\n")
    layout.write(layout.user, "[global]\nindex-url =\n")
    assert layout.config().index_url == "https://pypi.org/simple"


def test_timeout_and_default_timeout_are_one_option(layout: Layout) -> None:
    layout.write(layout.user, "[global]\ntimeout = 3\n")
    layout.environ["PIP_DEFAULT_TIMEOUT"] = "180"
    assert layout.config().timeout == 180.0


@pytest.mark.parametrize(("raw", "expected"), [("yes", True), ("1", True), ("off", False)])
def test_no_index_is_a_pip_boolean(layout: Layout, raw: str, expected: bool) -> None:
    layout.environ["PIP_NO_INDEX"] = raw
    assert layout.config().no_index is expected


@pytest.mark.parametrize(("var", "value"), [("PIP_NO_INDEX", "maybe"), ("PIP_RETRIES", "x")])
def test_invalid_values_raise_config_error(layout: Layout, var: str, value: str) -> None:
    layout.environ[var] = value
    with pytest.raises(ConfigError, match=repr(value)):
        layout.config()


def test_unparsable_file_raises_config_error(layout: Layout) -> None:
    layout.write(layout.user, "this is not ini\n")
    with pytest.raises(ConfigError, match=str(layout.user)):
        layout.config()


def test_pip_config_file_replaces_user_files_and_wins_over_site(
    layout: Layout, tmp_path: Path
) -> None:
    layout.write(layout.user, "[global]\nindex-url = https://user/simple\nretries = 9\n")
    layout.write(layout.site, "[global]\nindex-url = https://site/simple\ntimeout = 4\n")
    custom = layout.write(tmp_path / "custom.conf", "[global]\nindex-url = https://custom/simple\n")
    layout.environ["PIP_CONFIG_FILE"] = str(custom)
    config = layout.config()
    assert config.index_url == "https://custom/simple"
    assert config.retries == 3  # the user file was not read
    assert config.timeout == 4.0  # the site file still was


def test_pip_config_file_devnull_disables_all_files(layout: Layout) -> None:
    layout.write(layout.etc_global, "[global]\nindex-url = https://etc/simple\n")
    layout.write(layout.site, "[global]\nretries = 8\n")
    layout.environ["PIP_CONFIG_FILE"] = os.devnull
    layout.environ["PIP_TIMEOUT"] = "9"
    config = layout.config()
    assert (config.index_url, config.retries, config.timeout) == ("https://pypi.org/simple", 3, 9.0)


def test_isolated_ignores_user_files_and_environment(layout: Layout) -> None:
    layout.write(layout.etc_global, "[global]\nretries = 5\n")
    layout.write(layout.user, "[global]\nindex-url = https://user/simple\n")
    layout.environ["PIP_TIMEOUT"] = "99"
    config = layout.config(isolated=True)
    assert (config.index_url, config.timeout, config.retries) == (
        "https://pypi.org/simple",
        15.0,
        5,
    )


def test_unknown_override_is_a_type_error(layout: Layout) -> None:
    with pytest.raises(TypeError, match="index_urls"):
        layout.config(index_urls=["x"])


def test_pip_args_round_trip_every_setting() -> None:
    config = IndexConfig(
        index_url="https://u:pw@idx/simple",
        extra_index_urls=("https://e1/simple", "https://e2/simple"),
        find_links=("/wheels",),
        no_index=True,
        cert="/ca.pem",
        client_cert="/client.pem",
        trusted_hosts=("idx",),
        timeout=30.0,
        retries=5,
    )
    assert config.pip_args() == [
        "--index-url", "https://u:pw@idx/simple",
        "--extra-index-url", "https://e1/simple",
        "--extra-index-url", "https://e2/simple",
        "--find-links", "/wheels",
        "--no-index",
        "--cert", "/ca.pem",
        "--client-cert", "/client.pem",
        "--trusted-host", "idx",
        "--timeout", "30",
        "--retries", "5",
    ]  # fmt: skip
    assert IndexConfig().pip_args()[:2] == ["--index-url", "https://pypi.org/simple"]
    assert "--no-index" not in IndexConfig().pip_args()


def test_redacted_hides_passwords_everywhere() -> None:
    config = IndexConfig(
        index_url="https://alice:s3cret@idx.example/simple",
        extra_index_urls=("https://token@other.example/simple",),
        find_links=("https://bob:pw@links.example/", "/local"),
    )
    report = config.redacted()
    assert (
        "s3cret" not in repr(report) and "token" not in repr(report) and ":pw@" not in repr(report)
    )
    assert report["index_url"] == "https://alice:****@idx.example/simple"
    assert report["extra_index_urls"] == ["https://****@other.example/simple"]
    assert report["find_links"] == ["https://bob:****@links.example/", "/local"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pass@host/simple", "https://user:****@host/simple"),
        ("https://user:p%40ss@host:8080/s?q=1", "https://user:****@host:8080/s?q=1"),
        ("https://__token__@host/simple", "https://****@host/simple"),
        ("https://host/simple", "https://host/simple"),
        ("file:///opt/pypi/simple", "file:///opt/pypi/simple"),
        ("/local/dir", "/local/dir"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_trusted_hosts_match_host_or_host_and_port() -> None:
    config = IndexConfig(trusted_hosts=("a.example", "b.example:8443"))
    assert config.is_trusted("https://a.example/simple")
    assert config.is_trusted("https://a.example:9000/simple")
    assert config.is_trusted("https://b.example:8443/simple")
    assert not config.is_trusted("https://b.example/simple")
    assert not config.is_trusted("https://c.example/simple")


def test_no_index_drops_index_sources() -> None:
    assert IndexConfig(extra_index_urls=("https://x/simple",)).sources() == (
        "https://pypi.org/simple",
        "https://x/simple",
    )
    assert IndexConfig(no_index=True).sources() == ()
