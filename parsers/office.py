"""Word 97-2003 (.doc, Kingsoft .wps), Microsoft Works (.wps) and RTF files converted to DOCX by
LibreOffice in headless mode, then read as DOCX.

Each conversion gets its own temporary folder and LibreOffice profile
(`-env:UserInstallation`), so parallel conversions (two checks, two test runs) never share a
profile lock, and runs under `parsers.tools.run`'s budget (wall time, CPU, memory).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from parsers.errors import ToolError
from parsers.formats import DOC, RTF, WORKS
from parsers.tools import Budget, find, run

# The input's name tells LibreOffice's type detection where to start; the content decides.
_SUFFIX = {DOC: ".doc", WORKS: ".wps", RTF: ".rtf"}


def to_docx(data: bytes, media_type: str, *, budget: Budget) -> bytes:
    """The DOCX LibreOffice writes for `data` (a .doc, .wps or .rtf file's bytes)."""
    soffice = find("soffice")
    with tempfile.TemporaryDirectory(prefix="policywatch-office-") as tmp:
        folder = Path(tmp)
        source = folder / f"in{_SUFFIX.get(media_type, '.doc')}"
        source.write_bytes(data)
        out = folder / "out"
        argv = [
            soffice,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ]
        path = os.environ.get("PATH", "/usr/bin:/bin")
        env = {"HOME": tmp, "PATH": path, "LANG": "C.UTF-8", "SAL_USE_VCLPLUGIN": "svp"}
        run(argv, budget=budget, cwd=folder, env=env)
        result = out / "in.docx"
        if not result.is_file():  # soffice exits 0 when it cannot read (or load) the input
            raise ToolError(
                f"LibreOffice wrote no DOCX for the {_SUFFIX.get(media_type)} file (unreadable, "
                f"or past the memory budget of {budget.memory_bytes:,} bytes)"
            )
        return result.read_bytes()
