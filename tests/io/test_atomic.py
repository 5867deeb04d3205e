"""Outputs appear whole or not at all, and never destroy what the destination is."""

import os
import stat

import pytest

from arclass.io.atomic import OutputPathError, atomic_writer, check_output_path


def write(path, text="new\n"):
    with atomic_writer(path, "w", encoding="utf-8") as f:
        f.write(text)


def test_writes_through_a_symbolic_link(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "real.txt"]


def test_a_dangling_link_is_written_through_to_its_target(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "later.txt")
    write(link)
    assert link.is_symlink() and (tmp_path / "later.txt").read_text() == "new\n"


def test_keeps_the_mode_of_an_existing_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("old\n")
    path.chmod(0o600)
    write(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text() == "new\n"


def test_a_device_is_written_directly_not_replaced():
    write("/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_written_directly(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write(fifo, "through the pipe\n")
        assert os.read(reader, 100) == b"through the pipe\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old\n")
    with pytest.raises(KeyboardInterrupt):
        with atomic_writer(path, "w", encoding="utf-8") as f:
            f.write("partial")
            raise KeyboardInterrupt
    assert path.read_text() == "old\n" and os.listdir(tmp_path) == ["out.txt"]


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing" / "out.txt", "no such folder"),
    (lambda d: d, "is a folder"),
])
def test_check_output_path(tmp_path, make, message):
    with pytest.raises(OutputPathError, match=message):
        check_output_path(make(tmp_path))
    check_output_path(tmp_path / "fine.txt")
    check_output_path("/dev/null")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_check_output_path_unwritable_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    with pytest.raises(OutputPathError, match="permission denied"):
        check_output_path(folder / "out.txt")
