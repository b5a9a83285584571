"""The set-up script finds Python 3.10 itself, or says clearly what to install."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from bot.paths import REPO_ROOT


def test_setup_without_python_310_stops_with_install_advice(tmp_path):
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO_ROOT / "scripts" / "setup.sh", tmp_path / "scripts" / "setup.sh")
    # Only the system directories: no pyenv, no uv, and no python3.10 on this PATH.
    result = subprocess.run(
        ["/bin/bash", str(tmp_path / "scripts" / "setup.sh")],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "no Python 3.10 found" in result.stderr
    assert "pyenv install 3.10" in result.stderr and "uv python install 3.10" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_setup_finds_pyenv_python_310(tmp_path):
    pyenv = shutil.which("pyenv")
    assert pyenv, "this machine's Python 3.10 comes from pyenv"
    script = (REPO_ROOT / "scripts" / "setup.sh").read_text()
    finder = script[script.index("find_python310() {"): script.index("\n}\n") + 3]
    result = subprocess.run(
        ["/bin/bash", "-c", finder + "find_python310"],
        env={"PATH": f"{Path(pyenv).parent}:/usr/bin:/bin", "HOME": str(Path.home())},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    version = subprocess.run([result.stdout.strip(), "--version"], capture_output=True, text=True).stdout
    assert version.startswith("Python 3.10.")
