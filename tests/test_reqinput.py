"""Requirement input: PEP 508 strings and requirements files, with errors naming the input."""

from __future__ import annotations

from pathlib import Path

import pytest

from pip_native.errors import InvalidRequirementError
from pip_native.reqinput import parse_requirement, read_input_files, read_requirement_files


def test_valid_requirement_keeps_extras_specifier_and_marker() -> None:
    req = parse_requirement('Requests[socks]>=2.31; python_version >= "3.8"')
    assert (req.name, req.extras, str(req.specifier)) == ("Requests", {"socks"}, ">=2.31")
    assert req.marker is not None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("numpy>>2", "not valid PEP 508"),
        ("", "not valid PEP 508"),
        ("./myproject", "path or URL"),
        ("dist/foo-1.0-py3-none-any.whl", "path or URL"),
        ("foo @ https://example.org/foo", "points at a URL"),
        ("https://example.org/foo.tar.gz", "path or URL"),
    ],
)
def test_bad_requirements_are_named_with_a_fix(text: str, says: str) -> None:
    with pytest.raises(InvalidRequirementError) as err:
        parse_requirement(text)
    assert says in err.value.message
    assert repr(text) in err.value.message
    assert err.value.hint
    assert err.value.exit_code == 2


def test_requirements_file_with_comments_continuations_and_nesting(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("idna==3.10  # pinned\n")
    main = tmp_path / "main.txt"
    main.write_text("# all deps\nrequests \\\n  >=2.31\n\n-r base.txt\nnumpy; os_name == 'posix'\n")
    reqs = read_requirement_files([str(main)])
    assert [str(r) for r in reqs] == ["requests>=2.31", "idna==3.10", 'numpy; os_name == "posix"']


def test_requirements_file_errors_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("requests\nnumpy>>2\n")
    with pytest.raises(InvalidRequirementError) as err:
        read_requirement_files([str(bad)])
    assert f"{bad}, line 2" in err.value.message


def test_unsupported_option_in_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "r.txt"
    f.write_text("--index-url https://example.org/simple\nrequests\n")
    with pytest.raises(InvalidRequirementError) as err:
        read_requirement_files([str(f)])
    assert "'--index-url'" in err.value.message and "command line" in (err.value.hint or "")


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequirementError) as err:
        read_requirement_files([str(tmp_path / "nope.txt")])
    assert "nope.txt" in err.value.message


def test_nested_include_cycle_terminates(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("-r b.txt\nidna\n")
    (tmp_path / "b.txt").write_text("-r a.txt\ncertifi\n")
    names = [r.name for r in read_requirement_files([str(tmp_path / "a.txt")])]
    assert sorted(set(names)) == ["certifi", "idna"]


def test_constraints_files_and_c_inside_requirements_files_as_pip_reads_them(
    tmp_path: Path,
) -> None:
    (tmp_path / "pins.txt").write_text("urllib3<2\n-r more.txt\n")
    (tmp_path / "more.txt").write_text("idna\n")  # -r inside a constraints file: requirements
    (tmp_path / "req.txt").write_text("-c pins.txt\nrequests\n")
    (tmp_path / "extra.txt").write_text("certifi>=2024 ; python_version >= '3'\n")
    reqs, constraints = read_input_files([str(tmp_path / "req.txt")], [str(tmp_path / "extra.txt")])
    assert [str(r) for r, _ in reqs] == ["idna", "requests"]
    assert [(str(r), where) for r, where in constraints] == [
        ("urllib3<2", f"{tmp_path / 'pins.txt'}, line 1"),
        ('certifi>=2024; python_version >= "3"', f"{tmp_path / 'extra.txt'}, line 1"),
    ]
    with pytest.raises(InvalidRequirementError, match="is a constraint"):
        read_requirement_files([str(tmp_path / "req.txt")])


def test_a_constraint_with_extras_is_refused(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text("requests[socks]<3\n")
    with pytest.raises(InvalidRequirementError) as err:
        read_input_files((), [str(tmp_path / "c.txt")])
    assert "has extras" in err.value.message and "requests<3" in (err.value.hint or "")
