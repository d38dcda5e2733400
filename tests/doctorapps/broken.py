"""An app the doctor must refuse with one line: its module's import fails."""

from __future__ import annotations

import nosuch_dependency_of_the_user  # noqa: F401  (the import that fails)
